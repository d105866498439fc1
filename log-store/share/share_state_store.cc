#include "log-store/share/share_state_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"
#include "log-store/storage/state_record_file.h"

namespace eddy::logstore::share {
namespace fs = std::filesystem;

namespace {

enum RecordType : uint8_t {
  kGroup = 1,
  kGroupDelete = 2,
  kPartition = 3,
  kPartitionDelete = 4,
  kTopicId = 5
};

// Big-endian fields, strings as uint32 length + bytes (FORMAT.md "Share groups").
using Writer = FieldWriter<4>;
using Reader = FieldReader<4>;

std::string EncodeGroup(const std::string& group, const std::map<std::string, std::string>& kv) {
  Writer w;
  w.U8(kGroup);
  w.Str(group);
  w.U32(static_cast<uint32_t>(kv.size()));
  for (const auto& [k, v] : kv) {
    w.Str(k);
    w.Str(v);
  }
  return w.out;
}

std::string EncodePartition(const std::string& group, const std::string& topic, int32_t partition,
                            const PartitionDelta& d) {
  Writer w;
  w.U8(kPartition);
  w.Str(group);
  w.Str(topic);
  w.U32(static_cast<uint32_t>(partition));
  w.U8(d.reset ? 1 : 0);
  w.U64(static_cast<uint64_t>(d.start_offset));
  w.U32(static_cast<uint32_t>(d.runs.size()));
  for (const StateRun& r : d.runs) {
    w.U64(static_cast<uint64_t>(r.first));
    w.U32(static_cast<uint32_t>(r.count));
    w.U8(static_cast<uint8_t>(r.state));
    w.U32(static_cast<uint32_t>(r.delivery_count));
  }
  return w.out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShareStateStore>> ShareStateStore::Open(
    const ShareStateStoreOptions& o, std::string* report) {
  std::unique_ptr<ShareStateStore> s(new ShareStateStore(o));
  const std::string dir = (fs::path(o.data_dir) / "__share_group_state").string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("create ", dir, ": ", ec.message()));
  s->path_ = (fs::path(dir) / "share-state.log").string();
  auto fd = fileio::OpenFile(s->path_, O_RDWR | O_CREAT);
  if (!fd.ok()) return fd.status();
  s->fd_ = *fd;
  if (auto st = s->Replay(report); !st.ok()) return st;
  return s;
}

ShareStateStore::~ShareStateStore() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status ShareStateStore::Replay(std::string* report) {
  auto data = fileio::ReadWholeFile(path_);
  if (!data.ok()) return data.status();
  auto used = ReadStateRecords(*data, "share group state", path_,
                               [&](std::string_view payload) { return Apply(payload); });
  if (!used.ok()) return used.status();
  const size_t pos = *used;
  if (pos != data->size()) {
    if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0)
      return fileio::ErrnoStatus(errno, "truncate", path_);
    if (report != nullptr) {
      absl::StrAppend(report, "share group state: cut a torn tail of ", data->size() - pos,
                      " bytes from ", path_, "\n");
    }
  }
  file_bytes_ = static_cast<int64_t>(pos);
  last_snapshot_bytes_ = file_bytes_;
  return absl::OkStatus();
}

bool ShareStateStore::Apply(std::string_view payload) {
  Reader r{payload};
  const uint8_t type = r.U8();
  if (type == kGroup) {
    std::string group = r.Str();
    std::map<std::string, std::string> kv;
    for (uint32_t n = r.U32(); r.ok && n > 0; --n) {
      std::string k = r.Str();
      kv[k] = r.Str();
    }
    if (!r.ok || !r.in.empty()) return false;
    groups_[group].configs = std::move(kv);
    return true;
  }
  if (type == kGroupDelete) {
    std::string group = r.Str();
    if (!r.ok || !r.in.empty()) return false;
    groups_.erase(group);
    return true;
  }
  if (type == kTopicId) {
    r.Str();  // topic
    std::string id = r.Str();
    // Written by stores from before topic ids moved to the log store (LogManager::TopicId);
    // read so old files still replay, and dropped at the next snapshot.
    return r.ok && r.in.empty() && id.size() == 16;
  }
  if (type == kPartitionDelete) {
    std::string group = r.Str();
    std::string topic = r.Str();
    const int32_t partition = static_cast<int32_t>(r.U32());
    if (!r.ok || !r.in.empty()) return false;
    auto g = groups_.find(group);
    if (g != groups_.end()) g->second.partitions.erase({topic, partition});
    return true;
  }
  if (type != kPartition) return false;
  std::string group = r.Str();
  std::string topic = r.Str();
  const int32_t partition = static_cast<int32_t>(r.U32());
  const bool reset = r.U8() != 0;
  const int64_t start = static_cast<int64_t>(r.U64());
  const uint32_t nruns = r.U32();
  if (!r.ok || nruns > r.in.size() / 17) return false;
  MirrorPartition& p = groups_[group].partitions[{topic, partition}];
  if (reset) p.entries.clear();
  p.start = start;
  p.entries.erase(p.entries.begin(), p.entries.lower_bound(start));
  for (uint32_t i = 0; i < nruns; ++i) {
    const int64_t first = static_cast<int64_t>(r.U64());
    const uint32_t count = r.U32();
    const uint8_t state = r.U8();
    const int32_t dc = static_cast<int32_t>(r.U32());
    if (!r.ok || count > (1u << 24)) return false;
    for (int64_t o = first; o < first + static_cast<int64_t>(count); ++o) {
      if (o >= start) p.entries[o] = {static_cast<RecordState>(state), dc};
    }
  }
  return r.ok && r.in.empty();
}

absl::Status ShareStateStore::AppendLocked(std::string payload) {
  if (!Apply(payload)) return absl::InternalError("share group state: record does not decode");
  const std::string rec = FrameStateRecord(payload);
  if (fd_ < 0) return absl::UnavailableError("share group state file is closed");
  absl::Status st =
      fileio::PwriteAll(fd_, rec.data(), rec.size(), static_cast<uint64_t>(file_bytes_), path_);
  if (st.ok() && options_.fsync && ::fdatasync(fd_) != 0) {
    st = fileio::ErrnoStatus(errno, "fdatasync", path_);
  }
  if (!st.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot write the share group state to ", path_, ": ", st.message()));
  }
  file_bytes_ += static_cast<int64_t>(rec.size());
  if (file_bytes_ > options_.snapshot_bytes && file_bytes_ > 2 * last_snapshot_bytes_) {
    SnapshotLocked();
  }
  return absl::OkStatus();
}

void ShareStateStore::SnapshotLocked() {
  std::string all;
  for (const auto& [group, g] : groups_) {
    all += FrameStateRecord(EncodeGroup(group, g.configs));
    for (const auto& [tp, p] : g.partitions) {
      PartitionDelta d;
      d.reset = true;
      d.start_offset = p.start;
      for (const auto& [o, sd] : p.entries) {
        if (!d.runs.empty()) {
          StateRun& last = d.runs.back();
          if (last.first + last.count == o && last.state == sd.first &&
              last.delivery_count == sd.second) {
            ++last.count;
            continue;
          }
        }
        d.runs.push_back(StateRun{o, 1, sd.first, sd.second});
      }
      all += FrameStateRecord(EncodePartition(group, tp.first, tp.second, d));
    }
  }
  // WriteFileAtomic writes a temp file, fsyncs it and renames it over the log: a crash leaves
  // either the old log or the snapshot.
  if (!fileio::WriteFileAtomic(path_, all).ok()) return;  // keep appending to the old one
  auto nfd = fileio::OpenFile(path_, O_RDWR);
  if (!nfd.ok()) return;
  ::close(fd_);
  fd_ = *nfd;
  file_bytes_ = last_snapshot_bytes_ = static_cast<int64_t>(all.size());
  ++snapshots_;
}

std::map<std::string, StoredGroup> ShareStateStore::Load() const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, StoredGroup> out;
  for (const auto& [group, g] : groups_) {
    StoredGroup& sg = out[group];
    sg.configs = g.configs;
    for (const auto& [tp, p] : g.partitions) {
      StoredPartition& sp = sg.partitions[tp];
      sp.start_offset = p.start;
      for (const auto& [o, sd] : p.entries) {
        if (!sp.runs.empty()) {
          StateRun& last = sp.runs.back();
          if (last.first + last.count == o && last.state == sd.first &&
              last.delivery_count == sd.second) {
            ++last.count;
            continue;
          }
        }
        sp.runs.push_back(StateRun{o, 1, sd.first, sd.second});
      }
    }
  }
  return out;
}

absl::Status ShareStateStore::PersistPartition(const std::string& group, const std::string& topic,
                                               int32_t partition, const PartitionDelta& delta) {
  std::lock_guard<std::mutex> l(mu_);
  return AppendLocked(EncodePartition(group, topic, partition, delta));
}

absl::Status ShareStateStore::PersistGroup(const std::string& group,
                                           const std::map<std::string, std::string>& configs) {
  std::lock_guard<std::mutex> l(mu_);
  return AppendLocked(EncodeGroup(group, configs));
}

absl::Status ShareStateStore::PersistGroupDelete(const std::string& group) {
  std::lock_guard<std::mutex> l(mu_);
  Writer w;
  w.U8(kGroupDelete);
  w.Str(group);
  return AppendLocked(w.out);
}

absl::Status ShareStateStore::PersistPartitionDelete(const std::string& group,
                                                     const std::string& topic, int32_t partition) {
  std::lock_guard<std::mutex> l(mu_);
  Writer w;
  w.U8(kPartitionDelete);
  w.Str(group);
  w.Str(topic);
  w.U32(static_cast<uint32_t>(partition));
  return AppendLocked(w.out);
}

int64_t ShareStateStore::file_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return file_bytes_;
}

int64_t ShareStateStore::snapshots_written() const {
  std::lock_guard<std::mutex> l(mu_);
  return snapshots_;
}

}  // namespace eddy::logstore::share
