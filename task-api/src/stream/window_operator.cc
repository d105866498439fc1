// Window operators of the stream API (MessageStream::Window): tumbling/hopping, session and
// count windows over serialized keys and accumulators, state in the operator's store, closing
// on the task's watermark. Semantics: eddy/stream/windows.h; state layout: STREAM_API.md.
//
// The operator keeps two in-memory indexes over its store, rebuilt by scanning the store when
// the task starts (so they are exact after a restore): windows not yet fired, by end, and all
// windows, by end + allowed lateness (when their state is dropped).
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eddy/stream/internal/graph.h"
#include "eddy/stream/kv.h"
#include "eddy/stream/windows.h"
#include "state_codec.h"

namespace eddy::stream::internal {
namespace {

using Pane = WindowFunctions::PaneInfo;

// Floor division (event times may be negative).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool Reached(int64_t watermark, int64_t t) { return watermark != kNoWatermark && watermark >= t; }

class WindowBase : public Operator {
 public:
  WindowBase(Context& c, std::string op_id, const WindowSpecData& spec, WindowFunctions fns,
             KeyValueStoreBytes* store)
      : op_id_(std::move(op_id)),
        spec_(spec),
        fns_(std::move(fns)),
        store_(store),
        accepted_late_(OperatorCounter(c, op_id_, "late-events-accepted")),
        dropped_late_(OperatorCounter(c, op_id_, "late-events-dropped")),
        panes_(OperatorCounter(c, op_id_, "panes-emitted")) {}

 protected:
  absl::Status EmitPane(std::string_view key, const std::string& acc, const Pane& p,
                        Emitter& out) {
    absl::StatusOr<Record> r = fns_.make_pane(key, acc, p);
    if (!r.ok()) return Annotate(r.status());
    panes_.Inc();
    return out.Emit(0, *r);
  }
  absl::Status Annotate(const absl::Status& s) const {
    return absl::Status(s.code(), absl::StrCat("window ", op_id_, ": ", s.message()));
  }
  absl::Status Corrupt(std::string_view what) const {
    return absl::DataLossError(
        absl::StrCat("window ", op_id_, ": store ", store_->name(), ": malformed ", std::string(what)));
  }
  bool OnWatermarkTrigger() const { return spec_.trigger == static_cast<int>(Trigger::kOnWatermark); }

  std::string op_id_;
  WindowSpecData spec_;
  WindowFunctions fns_;
  KeyValueStoreBytes* store_;
  Counter& accepted_late_;
  Counter& dropped_late_;
  Counter& panes_;
};

// Tumbling and hopping windows. Store key: ordered i64 start + key bytes. Value: u8 fired,
// i64 count, i64 max event time, accumulator bytes.
class TimeWindowOperator final : public WindowBase {
 public:
  using WindowBase::WindowBase;

  absl::Status Load() {
    auto it = store_->All();
    if (!it.ok()) return it.status();
    for (; (*it)->Valid(); (*it)->Next()) {
      std::string_view k = (*it)->key(), v = (*it)->value();
      if (k.size() < 8 || v.empty()) {
        (*it)->Close();
        return Corrupt("window entry");
      }
      int64_t end = GetOrderedI64(k) + spec_.size_ms;
      std::string key(k);
      if (v[0] == 0 && OnWatermarkTrigger()) fire_.emplace(end, key);
      purge_.emplace(end + spec_.allowed_lateness_ms, std::move(key));
    }
    absl::Status s = (*it)->status();
    (*it)->Close();
    return s;
  }

  absl::Status Process(int, const Record& r, Emitter& out) override {
    int64_t ts = r.event_time, wm = out.watermark();
    if (absl::Status s = fns_.key_bytes(r, &key_); !s.ok()) return Annotate(s);
    int64_t last_start = FloorDiv(ts, spec_.advance_ms) * spec_.advance_ms;
    starts_.clear();
    for (int64_t s = last_start; s > ts - spec_.size_ms; s -= spec_.advance_ms) {
      if (!Reached(wm, s + spec_.size_ms + spec_.allowed_lateness_ms)) starts_.push_back(s);
    }
    if (starts_.empty()) {
      dropped_late_.Inc();
      return out.Emit(1, r);
    }
    bool late = false;
    for (auto s = starts_.rbegin(); s != starts_.rend(); ++s) {
      int64_t start = *s, end = start + spec_.size_ms;
      bool closed = Reached(wm, end);
      late = late || closed;
      skey_.clear();
      PutOrderedI64(&skey_, start);
      skey_.append(key_);
      absl::StatusOr<std::optional<std::string>> old = store_->Get(skey_);
      if (!old.ok()) return old.status();
      int64_t count = 0, max_ts = ts;
      std::string acc_in;
      bool had = old->has_value();
      if (had) {
        Reader rd(**old);
        rd.U8();
        count = rd.I64();
        max_ts = std::max(max_ts, rd.I64());
        acc_in = std::string(rd.Rest());
        if (!rd.ok()) return Corrupt("window value");
      }
      if (absl::Status st = fns_.add(had ? &acc_in : nullptr, r, &acc_); !st.ok()) {
        return Annotate(st);
      }
      ++count;
      // A window already closed is marked fired (its late update is emitted now).
      bool fired = closed || !OnWatermarkTrigger();
      val_.clear();
      val_.push_back(fired ? 1 : 0);
      PutOrderedI64(&val_, count);
      PutOrderedI64(&val_, max_ts);
      val_.append(acc_);
      if (absl::Status st = store_->Put(skey_, val_); !st.ok()) return st;
      if (!had) {
        if (!fired) fire_.emplace(end, skey_);
        purge_.emplace(end + spec_.allowed_lateness_ms, skey_);
      }
      if (closed || !OnWatermarkTrigger()) {
        Pane p{start, end, count, max_ts, 0,
               static_cast<int>(closed ? PaneKind::kLateUpdate : PaneKind::kUpdate)};
        if (absl::Status st = EmitPane(key_, acc_, p, out); !st.ok()) return st;
      }
    }
    if (late) accepted_late_.Inc();
    return absl::OkStatus();
  }

  absl::Status OnWatermark(int64_t wm, Emitter& out) override {
    while (!fire_.empty() && Reached(wm, fire_.begin()->first)) {
      auto node = fire_.extract(fire_.begin());
      const std::string& skey = node.value().second;
      absl::StatusOr<std::optional<std::string>> v = store_->Get(skey);
      if (!v.ok()) return v.status();
      if (!v->has_value()) continue;
      std::string value(v->value_or(std::string()));
      if (value.empty()) return Corrupt("window value");
      if (value.front() != 0) continue;  // fired already (a late update reached it first)
      Reader rd(value);
      rd.U8();
      int64_t count = rd.I64(), max_ts = rd.I64();
      std::string acc(rd.Rest());
      if (!rd.ok()) return Corrupt("window value");
      int64_t start = GetOrderedI64(skey);
      value.front() = 1;
      if (absl::Status s = store_->Put(skey, value); !s.ok()) return s;
      Pane p{start, start + spec_.size_ms, count, max_ts, 0, static_cast<int>(PaneKind::kFinal)};
      if (absl::Status s = EmitPane(std::string_view(skey).substr(8), acc, p, out); !s.ok()) {
        return s;
      }
    }
    while (!purge_.empty() && Reached(wm, purge_.begin()->first)) {
      auto node = purge_.extract(purge_.begin());
      if (absl::Status s = store_->Delete(node.value().second); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  std::set<std::pair<int64_t, std::string>> fire_, purge_;
  std::vector<int64_t> starts_;
  std::string key_, skey_, acc_, val_;
};

// Session windows. Store key: the key bytes. Value: u32 n, then n sessions of i64 start,
// i64 last (latest event time), i64 count, u8 fired, u32 accumulator length, accumulator.
class SessionWindowOperator final : public WindowBase {
 public:
  using WindowBase::WindowBase;

  struct Session {
    int64_t start = 0, last = 0, count = 0;
    bool fired = false;
    std::string acc;
  };

  absl::Status Load() {
    auto it = store_->All();
    if (!it.ok()) return it.status();
    std::vector<Session> ss;
    for (; (*it)->Valid(); (*it)->Next()) {
      std::string key((*it)->key());
      if (!Decode((*it)->value(), &ss)) {
        (*it)->Close();
        return Corrupt("session list");
      }
      for (const Session& s : ss) Index(key, s, true);
    }
    absl::Status st = (*it)->status();
    (*it)->Close();
    return st;
  }

  absl::Status Process(int, const Record& r, Emitter& out) override {
    int64_t ts = r.event_time, wm = out.watermark(), gap = spec_.gap_ms;
    if (absl::Status s = fns_.key_bytes(r, &key_); !s.ok()) return Annotate(s);
    std::vector<Session> ss;
    if (absl::Status s = Read(key_, &ss); !s.ok()) return s;
    Session merged;
    merged.start = merged.last = ts;
    merged.count = 1;
    if (absl::Status s = fns_.add(nullptr, r, &merged.acc); !s.ok()) return Annotate(s);
    std::vector<Session> keep, absorbed;
    for (Session& s : ss) {
      bool overlaps = s.start < ts + gap && ts < s.last + gap;
      (overlaps ? absorbed : keep).push_back(std::move(s));
    }
    // Merge in start order (the new event's session sorts by its time).
    std::vector<Session> parts = absorbed;
    parts.push_back(merged);
    std::sort(parts.begin(), parts.end(),
              [](const Session& a, const Session& b) { return a.start < b.start; });
    Session m = parts.front();
    m.fired = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      m.start = std::min(m.start, parts[i].start);
      m.last = std::max(m.last, parts[i].last);
      m.count += parts[i].count;
      std::string acc;
      if (!fns_.merge) return Annotate(absl::FailedPreconditionError("no merge function"));
      if (absl::Status s = fns_.merge(m.acc, parts[i].acc, &acc); !s.ok()) return Annotate(s);
      m.acc = std::move(acc);
    }
    int64_t end = m.last + gap;
    if (Reached(wm, end + spec_.allowed_lateness_ms)) {
      dropped_late_.Inc();
      return out.Emit(1, r);
    }
    bool closed = Reached(wm, end);
    if (closed) accepted_late_.Inc();
    m.fired = closed || !OnWatermarkTrigger();
    for (const Session& s : absorbed) Index(key_, s, false);
    Index(key_, m, true);
    keep.push_back(m);
    std::sort(keep.begin(), keep.end(),
              [](const Session& a, const Session& b) { return a.start < b.start; });
    if (absl::Status s = Write(key_, keep); !s.ok()) return s;
    if (closed || !OnWatermarkTrigger()) {
      Pane p{m.start, end, m.count, m.last, 0,
             static_cast<int>(closed ? PaneKind::kLateUpdate : PaneKind::kUpdate)};
      return EmitPane(key_, m.acc, p, out);
    }
    return absl::OkStatus();
  }

  absl::Status OnWatermark(int64_t wm, Emitter& out) override {
    while (!fire_.empty() && Reached(wm, std::get<0>(*fire_.begin()))) {
      auto [end, key, start] = *fire_.begin();
      fire_.erase(fire_.begin());
      std::vector<Session> ss;
      if (absl::Status s = Read(key, &ss); !s.ok()) return s;
      for (Session& s : ss) {
        if (s.start != start || s.fired) continue;
        s.fired = true;
        if (absl::Status st = Write(key, ss); !st.ok()) return st;
        Pane p{s.start, s.last + spec_.gap_ms, s.count, s.last, 0,
               static_cast<int>(PaneKind::kFinal)};
        if (absl::Status st = EmitPane(key, s.acc, p, out); !st.ok()) return st;
        break;
      }
    }
    while (!purge_.empty() && Reached(wm, std::get<0>(*purge_.begin()))) {
      auto [t, key, start] = *purge_.begin();
      purge_.erase(purge_.begin());
      std::vector<Session> ss;
      if (absl::Status s = Read(key, &ss); !s.ok()) return s;
      std::vector<Session> keep;
      for (Session& s : ss) {
        if (s.start != start) keep.push_back(std::move(s));
      }
      absl::Status st = keep.empty() ? store_->Delete(key) : Write(key, keep);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

 private:
  void Index(const std::string& key, const Session& s, bool add) {
    int64_t end = s.last + spec_.gap_ms;
    auto f = std::make_tuple(end, key, s.start);
    auto p = std::make_tuple(end + spec_.allowed_lateness_ms, key, s.start);
    if (add) {
      if (!s.fired && OnWatermarkTrigger()) fire_.insert(f);
      purge_.insert(p);
    } else {
      fire_.erase(f);
      purge_.erase(p);
    }
  }
  static bool Decode(std::string_view v, std::vector<Session>* out) {
    out->clear();
    Reader rd(v);
    uint32_t n = rd.U32();
    for (uint32_t i = 0; i < n && rd.ok(); ++i) {
      Session s;
      s.start = rd.I64();
      s.last = rd.I64();
      s.count = rd.I64();
      s.fired = rd.U8() != 0;
      s.acc = std::string(rd.Bytes(rd.U32()));
      out->push_back(std::move(s));
    }
    return rd.ok() && rd.done();
  }
  absl::Status Read(const std::string& key, std::vector<Session>* out) {
    out->clear();
    absl::StatusOr<std::optional<std::string>> v = store_->Get(key);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return absl::OkStatus();
    if (!Decode(**v, out)) return Corrupt("session list");
    return absl::OkStatus();
  }
  absl::Status Write(const std::string& key, const std::vector<Session>& ss) {
    val_.clear();
    PutU32(&val_, static_cast<uint32_t>(ss.size()));
    for (const Session& s : ss) {
      PutOrderedI64(&val_, s.start);
      PutOrderedI64(&val_, s.last);
      PutOrderedI64(&val_, s.count);
      val_.push_back(s.fired ? 1 : 0);
      PutU32(&val_, static_cast<uint32_t>(s.acc.size()));
      val_.append(s.acc);
    }
    return store_->Put(key, val_);
  }

  std::set<std::tuple<int64_t, std::string, int64_t>> fire_, purge_;
  std::string key_, val_;
};

// Count windows. Store key: the key bytes. Value: i64 sequence, i64 count, i64 first event
// time, i64 max event time, accumulator (empty when count is 0).
class CountWindowOperator final : public WindowBase {
 public:
  using WindowBase::WindowBase;

  absl::Status Process(int, const Record& r, Emitter& out) override {
    if (absl::Status s = fns_.key_bytes(r, &key_); !s.ok()) return Annotate(s);
    absl::StatusOr<std::optional<std::string>> old = store_->Get(key_);
    if (!old.ok()) return old.status();
    int64_t seq = 0, count = 0, first = r.event_time, max_ts = r.event_time;
    std::string acc_in;
    if (old->has_value()) {
      Reader rd(**old);
      seq = rd.I64();
      count = rd.I64();
      int64_t f = rd.I64(), m = rd.I64();
      acc_in = std::string(rd.Rest());
      if (!rd.ok()) return Corrupt("count window value");
      if (count > 0) {
        first = f;
        max_ts = std::max(max_ts, m);
      }
    }
    if (absl::Status s = fns_.add(count > 0 ? &acc_in : nullptr, r, &acc_); !s.ok()) {
      return Annotate(s);
    }
    ++count;
    bool full = count >= spec_.count;
    val_.clear();
    PutOrderedI64(&val_, full ? seq + 1 : seq);
    PutOrderedI64(&val_, full ? 0 : count);
    PutOrderedI64(&val_, first);
    PutOrderedI64(&val_, max_ts);
    if (!full) val_.append(acc_);
    if (absl::Status s = store_->Put(key_, val_); !s.ok()) return s;
    if (full || !OnWatermarkTrigger()) {
      Pane p{first, max_ts, count, max_ts, seq,
             static_cast<int>(full ? PaneKind::kFinal : PaneKind::kUpdate)};
      return EmitPane(key_, acc_, p, out);
    }
    return absl::OkStatus();
  }

 private:
  std::string key_, acc_, val_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Operator>> NewWindowOperator(Context& context,
                                                            const std::string& op_id,
                                                            const WindowSpecData& spec,
                                                            WindowFunctions fns) {
  absl::StatusOr<KeyValueStoreBytes*> store = OpenStore(context, op_id);
  if (!store.ok()) return store.status();
  switch (static_cast<WindowKind>(spec.kind)) {
    case WindowKind::kTumbling:
    case WindowKind::kHopping: {
      auto op = std::make_unique<TimeWindowOperator>(context, op_id, spec, std::move(fns), *store);
      if (absl::Status s = op->Load(); !s.ok()) return s;
      return std::unique_ptr<Operator>(std::move(op));
    }
    case WindowKind::kSession: {
      auto op =
          std::make_unique<SessionWindowOperator>(context, op_id, spec, std::move(fns), *store);
      if (absl::Status s = op->Load(); !s.ok()) return s;
      return std::unique_ptr<Operator>(std::move(op));
    }
    case WindowKind::kCount:
      return std::unique_ptr<Operator>(
          std::make_unique<CountWindowOperator>(context, op_id, spec, std::move(fns), *store));
  }
  return absl::InvalidArgumentError("window " + op_id + ": unknown window kind");
}

}  // namespace eddy::stream::internal
