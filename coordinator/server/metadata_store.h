// MetadataStore: the coordinator's durable metadata in a RocksDB under its data dir: job
// records (config, package digest, job model, generation, last hosts, attempts) as JSON under
// "job/<name>". Synced writes, so a `kill -9` of the coordinator loses nothing it acknowledged;
// a write that fails is an error naming the key, and the caller must not act as if it had
// happened. Packages are files (package_store.h); older coordinators kept them here under
// "pkg/<sha256>", and MigratePackages moves them out. Fault hook "metadata.write"
// (coordinator/common/fault_hooks.h) makes the next put or delete fail. Used by ClusterManager.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
}

namespace eddy::cluster {

class MetadataStore {
 public:
  static absl::StatusOr<std::unique_ptr<MetadataStore>> Open(const std::string& dir);
  ~MetadataStore();

  absl::Status PutJob(const std::string& name, const std::string& json);
  absl::Status DeleteJob(const std::string& name);
  absl::StatusOr<std::map<std::string, std::string>> LoadJobs();

  // Hands every package an older coordinator kept under "pkg/<sha256>" to `move` (one at a
  // time) and deletes it once `move` succeeded.
  absl::Status MigratePackages(
      const std::function<absl::Status(const std::string& digest, std::string_view bytes)>& move);

 private:
  explicit MetadataStore(rocksdb::DB* db);
  absl::Status Put(const std::string& k, const std::string& v);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace eddy::cluster
