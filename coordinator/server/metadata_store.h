// MetadataStore: the coordinator's durable metadata in a RocksDB under its data dir: job
// records (config, package digest, job model, generation, last hosts, attempts) as JSON under
// "job/<name>", and package bytes under "pkg/<sha256>". Synced writes, so a `kill -9` of the
// coordinator loses nothing it acknowledged. Used by ClusterManager only.
#pragma once

#include <map>
#include <memory>
#include <string>

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

  absl::Status PutPackage(const std::string& digest, const std::string& bytes);
  // NotFound naming the digest.
  absl::StatusOr<std::string> GetPackage(const std::string& digest);

 private:
  explicit MetadataStore(rocksdb::DB* db);
  absl::Status Put(const std::string& k, const std::string& v);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace eddy::cluster
