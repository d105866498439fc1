// OffsetsStore: CRC-framed append-only records, replayed at open.
#include "log-store/storage/offsets_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <set>

#include "absl/strings/str_cat.h"
#include "log-store/storage/crc32c.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"

namespace eddy::logstore {
namespace {

constexpr uint32_t kMaxRecord = 1u << 20;
// metadataLen of a tombstone record (no metadata follows): the key's offset is deleted.
constexpr uint32_t kTombstone = 0xFFFFFFFFu;

void PutStr16(std::string* out, const std::string& s) {
  char b[2];
  enc::StoreBe16(b, static_cast<uint16_t>(s.size()));
  out->append(b, 2);
  out->append(s);
}

bool GetStr16(std::string_view* in, std::string* out) {
  if (in->size() < 2) return false;
  const uint16_t n = enc::LoadBe16(in->data());
  if (in->size() < 2u + n) return false;
  out->assign(in->data() + 2, n);
  in->remove_prefix(2u + n);
  return true;
}

}  // namespace

std::string OffsetsStore::Encode(const Key& k, const Entry& e) {
  std::string payload;
  PutStr16(&payload, std::get<0>(k));
  PutStr16(&payload, std::get<1>(k));
  char b[12];
  enc::StoreBe32(b, static_cast<uint32_t>(std::get<2>(k)));
  enc::StoreBe64(b + 4, static_cast<uint64_t>(e.offset));
  payload.append(b, 12);
  enc::StoreBe32(b, static_cast<uint32_t>(e.metadata.size()));
  payload.append(b, 4);
  payload.append(e.metadata);
  return Frame(payload);
}

std::string OffsetsStore::EncodeTombstone(const Key& k) {
  std::string payload;
  PutStr16(&payload, std::get<0>(k));
  PutStr16(&payload, std::get<1>(k));
  char b[16];
  enc::StoreBe32(b, static_cast<uint32_t>(std::get<2>(k)));
  enc::StoreBe64(b + 4, static_cast<uint64_t>(-1));
  enc::StoreBe32(b + 12, kTombstone);
  payload.append(b, 16);
  return Frame(payload);
}

std::string OffsetsStore::Frame(const std::string& payload) {
  std::string rec(8, '\0');
  enc::StoreBe32(rec.data(), static_cast<uint32_t>(payload.size()));
  enc::StoreBe32(rec.data() + 4, Crc32c(0, payload.data(), payload.size()));
  rec.append(payload);
  return rec;
}

absl::StatusOr<std::unique_ptr<OffsetsStore>> OffsetsStore::Open(const std::string& path,
                                                                 std::string* report) {
  std::unique_ptr<OffsetsStore> s(new OffsetsStore(path));
  auto fd = fileio::OpenFile(path, O_RDWR | O_CREAT);
  if (!fd.ok()) return fd.status();
  s->fd_ = *fd;
  auto data = fileio::ReadWholeFile(path);
  if (!data.ok()) return data.status();
  std::string_view in = *data;
  uint64_t pos = 0;
  while (in.size() >= 8) {
    const uint32_t len = enc::LoadBe32(in.data());
    const uint32_t crc = enc::LoadBe32(in.data() + 4);
    if (len > kMaxRecord || in.size() < 8u + len || Crc32c(0, in.data() + 8, len) != crc) break;
    std::string_view p = in.substr(8, len);
    std::string group, topic;
    if (!GetStr16(&p, &group) || !GetStr16(&p, &topic) || p.size() < 16) break;
    const auto partition = static_cast<int32_t>(enc::LoadBe32(p.data()));
    const auto offset = static_cast<int64_t>(enc::LoadBe64(p.data() + 4));
    const uint32_t mlen = enc::LoadBe32(p.data() + 12);
    if (mlen == kTombstone && p.size() == 16) {
      s->entries_.erase(Key{group, topic, partition});
    } else if (mlen != kTombstone && p.size() == 16u + mlen) {
      s->entries_[Key{group, topic, partition}] = Entry{offset, std::string(p.substr(16))};
    } else {
      break;
    }
    in.remove_prefix(8u + len);
    pos += 8u + len;
  }
  if (pos < data->size()) {
    absl::StrAppend(report, "offsets store ", path, ": cut torn or corrupt tail at byte ", pos,
                    " (of ", data->size(), ")\n");
    if (::ftruncate(s->fd_, static_cast<off_t>(pos)) != 0)
      return fileio::ErrnoStatus(errno, "truncate", path);
  }
  s->size_ = pos;
  for (const auto& [k, e] : s->entries_) s->live_bytes_ += Encode(k, e).size();
  return s;
}

OffsetsStore::~OffsetsStore() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status OffsetsStore::Commit(const std::string& group, const std::string& topic,
                                  int32_t partition, int64_t offset, const std::string& metadata) {
  if (group.size() > 0xFFFF || topic.size() > 0xFFFF || metadata.size() > kMaxRecord / 2) {
    return absl::InvalidArgumentError(absl::StrCat("offset commit for group ", group.substr(0, 100),
                                                   ": group, topic or metadata too long"));
  }
  std::lock_guard<std::mutex> l(mu_);
  Key k{group, topic, partition};
  Entry e{offset, metadata};
  const std::string rec = Encode(k, e);
  if (absl::Status st = AppendLocked(rec); !st.ok()) return st;
  auto it = entries_.find(k);
  if (it != entries_.end()) live_bytes_ -= Encode(it->first, it->second).size();
  entries_[k] = e;
  live_bytes_ += rec.size();
  if (size_ > (4u << 20) && size_ > 4 * live_bytes_) return RewriteLocked();
  return absl::OkStatus();
}

absl::Status OffsetsStore::AppendLocked(const std::string& records) {
  if (absl::Status st = fileio::PwriteAll(fd_, records.data(), records.size(), size_, path_);
      !st.ok()) {
    (void)::ftruncate(fd_, static_cast<off_t>(size_));
    return st;
  }
  if (::fdatasync(fd_) != 0) return fileio::ErrnoStatus(errno, "fsync", path_);
  size_ += records.size();
  return absl::OkStatus();
}

absl::Status OffsetsStore::Delete(
    const std::string& group,
    const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Key> keys;
  if (partitions) {
    for (const auto& [topic, partition] : *partitions) {
      Key k{group, topic, partition};
      if (entries_.count(k)) keys.push_back(std::move(k));
    }
  } else {
    for (auto it = entries_.lower_bound(Key{group, "", INT32_MIN});
         it != entries_.end() && std::get<0>(it->first) == group; ++it) {
      keys.push_back(it->first);
    }
  }
  return DeleteKeysLocked(keys);
}

absl::Status OffsetsStore::DeleteTopic(const std::string& topic) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Key> keys;
  for (const auto& [k, e] : entries_) {
    if (std::get<1>(k) == topic) keys.push_back(k);
  }
  return DeleteKeysLocked(keys);
}

absl::Status OffsetsStore::DeleteKeysLocked(const std::vector<Key>& keys) {
  if (keys.empty()) return absl::OkStatus();
  std::string records;
  for (const Key& k : keys) records += EncodeTombstone(k);
  if (absl::Status st = AppendLocked(records); !st.ok()) return st;
  for (const Key& k : keys) {
    auto it = entries_.find(k);
    if (it == entries_.end()) continue;
    live_bytes_ -= Encode(it->first, it->second).size();
    entries_.erase(it);
  }
  if (size_ > (4u << 20) && size_ > 4 * live_bytes_) return RewriteLocked();
  return absl::OkStatus();
}

absl::Status OffsetsStore::RewriteLocked() {
  std::string all;
  for (const auto& [k, e] : entries_) all += Encode(k, e);
  if (absl::Status st = fileio::WriteFileAtomic(path_, all); !st.ok()) return st;
  auto fd = fileio::OpenFile(path_, O_RDWR);
  if (!fd.ok()) return fd.status();
  ::close(fd_);
  fd_ = *fd;
  size_ = all.size();
  live_bytes_ = all.size();
  return absl::OkStatus();
}

std::optional<OffsetsStore::Entry> OffsetsStore::Fetch(const std::string& group,
                                                       const std::string& topic,
                                                       int32_t partition) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(Key{group, topic, partition});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::pair<std::string, int32_t>, OffsetsStore::Entry>>
OffsetsStore::OffsetsOf(const std::string& group) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::pair<std::pair<std::string, int32_t>, Entry>> out;
  for (auto it = entries_.lower_bound(Key{group, "", INT32_MIN});
       it != entries_.end() && std::get<0>(it->first) == group; ++it) {
    out.push_back({{std::get<1>(it->first), std::get<2>(it->first)}, it->second});
  }
  return out;
}

std::vector<std::string> OffsetsStore::Groups() const {
  std::lock_guard<std::mutex> l(mu_);
  std::set<std::string> g;
  for (const auto& [k, e] : entries_) g.insert(std::get<0>(k));
  return {g.begin(), g.end()};
}

}  // namespace eddy::logstore
