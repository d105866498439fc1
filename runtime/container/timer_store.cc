#include "runtime/container/timer_store.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace {

constexpr char kWatermarkKey[] = "w";
constexpr char kSourceWatermarkKey[] = "s";
constexpr uint64_t kSignBit = uint64_t{1} << 63;

void AppendBe(uint64_t u, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

uint64_t ReadBe(std::string_view b) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(b[i]);
  return u;
}

}  // namespace

std::string TimerStore::EncodeInt64(int64_t v) {
  std::string s;
  AppendBe(static_cast<uint64_t>(v), &s);
  return s;
}

int64_t TimerStore::DecodeInt64(std::string_view b) { return static_cast<int64_t>(ReadBe(b)); }

std::string TimerStore::TimerKeyBytes(TimeDomain domain, std::string_view key, int64_t ts) {
  std::string s = "t";
  s.push_back(domain == TimeDomain::kEventTime ? 'e' : 'p');
  AppendBe(static_cast<uint64_t>(ts) ^ kSignBit, &s);
  s.append(key);
  return s;
}

absl::Status TimerStore::LoadInt64(const char* key, const char* what, int64_t* out) {
  auto w = store_->Get(key);
  if (!w.ok()) return w.status();
  if (w->has_value()) {
    if ((*w)->size() != 8) {
      return absl::DataLossError(absl::StrCat("timer store ", store_->name(), ": the ", what,
                                              " entry has ", (*w)->size(), " bytes, expected 8"));
    }
    *out = DecodeInt64(**w);
  }
  return absl::OkStatus();
}

absl::Status TimerStore::Load() {
  event_.clear();
  processing_.clear();
  source_watermark_ = kNoWatermark;
  if (auto s = LoadInt64(kWatermarkKey, "watermark", &watermark_); !s.ok()) return s;
  if (auto s = LoadInt64(kSourceWatermarkKey, "source watermark", &source_watermark_); !s.ok()) {
    return s;
  }
  auto it = store_->PrefixScan("t");
  if (!it.ok()) return it.status();
  for (auto& i = *it; i->Valid(); i->Next()) {
    std::string_view k = i->key();
    if (k.size() < 10 || (k[1] != 'e' && k[1] != 'p')) {
      i->Close();
      return absl::DataLossError(
          absl::StrCat("timer store ", store_->name(), ": malformed timer key of ", k.size(),
                       " bytes (expected 't', 'e'|'p', 8 bytes timestamp, key)"));
    }
    const int64_t ts = static_cast<int64_t>(ReadBe(k.substr(2)) ^ kSignBit);
    (k[1] == 'e' ? event_ : processing_).emplace(ts, std::string(k.substr(10)));
  }
  absl::Status s = (*it)->status();
  (*it)->Close();
  return s;
}

absl::Status TimerStore::Add(TimeDomain domain, std::string_view key, int64_t timestamp_ms) {
  Timers& t = Set(domain);
  std::pair<int64_t, std::string> entry(timestamp_ms, std::string(key));
  if (t.count(entry)) return absl::OkStatus();
  if (static_cast<int64_t>(size()) >= max_timers_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("timer store ", store_->name(), ": the task holds ", size(),
                     " timers, the most task.timers.max=", max_timers_,
                     " allows; delete fired or unneeded timers or raise task.timers.max"));
  }
  if (auto s = store_->Put(TimerKeyBytes(domain, key, timestamp_ms), ""); !s.ok()) return s;
  t.insert(std::move(entry));
  return absl::OkStatus();
}

absl::Status TimerStore::Remove(TimeDomain domain, std::string_view key, int64_t timestamp_ms) {
  Timers& t = Set(domain);
  auto it = t.find(std::pair<int64_t, std::string>(timestamp_ms, std::string(key)));
  if (it == t.end()) return absl::OkStatus();
  if (auto s = store_->Delete(TimerKeyBytes(domain, key, timestamp_ms)); !s.ok()) return s;
  t.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TimerKey>> TimerStore::PopDue(TimeDomain domain, int64_t up_to_ms) {
  Timers& t = Set(domain);
  if (t.empty() || t.begin()->first > up_to_ms) return std::optional<TimerKey>();
  TimerKey k{domain, t.begin()->second, t.begin()->first};
  if (auto s = store_->Delete(TimerKeyBytes(domain, k.key, k.timestamp)); !s.ok()) return s;
  t.erase(t.begin());
  return std::optional<TimerKey>(std::move(k));
}

absl::Status TimerStore::PersistWatermark(int64_t watermark_ms) {
  if (watermark_ms == watermark_) return absl::OkStatus();
  if (auto s = store_->Put(kWatermarkKey, EncodeInt64(watermark_ms)); !s.ok()) return s;
  watermark_ = watermark_ms;
  return absl::OkStatus();
}

absl::Status TimerStore::PersistSourceWatermark(int64_t watermark_ms) {
  if (watermark_ms == source_watermark_) return absl::OkStatus();
  if (auto s = store_->Put(kSourceWatermarkKey, EncodeInt64(watermark_ms)); !s.ok()) return s;
  source_watermark_ = watermark_ms;
  return absl::OkStatus();
}

}  // namespace eddy::runtime
