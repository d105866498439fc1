#include "coordinator/server/metadata_store.h"

#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coordinator/common/fault_hooks.h"
#include "rocksdb/db.h"

namespace eddy::cluster {

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(o, dir, &db);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("coordinator metadata ", dir, ": ", s.ToString()));
  }
  return std::unique_ptr<MetadataStore>(new MetadataStore(db));
}

MetadataStore::MetadataStore(rocksdb::DB* db) : db_(db) {}
MetadataStore::~MetadataStore() = default;

absl::Status MetadataStore::Put(const std::string& k, const std::string& v) {
  if (FaultHooks::Fire("metadata.write")) {
    return absl::InternalError(absl::StrCat("metadata write ", k, ": IO error (fault hook)"));
  }
  rocksdb::WriteOptions w;
  w.sync = true;
  auto s = db_->Put(w, k, v);
  if (!s.ok()) return absl::InternalError(absl::StrCat("metadata write ", k, ": ", s.ToString()));
  return absl::OkStatus();
}

absl::Status MetadataStore::PutJob(const std::string& name, const std::string& json) {
  return Put("job/" + name, json);
}

absl::Status MetadataStore::DeleteJob(const std::string& name) {
  if (FaultHooks::Fire("metadata.write")) {
    return absl::InternalError(
        absl::StrCat("metadata delete job/", name, ": IO error (fault hook)"));
  }
  rocksdb::WriteOptions w;
  w.sync = true;
  auto s = db_->Delete(w, "job/" + name);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("metadata delete job/", name, ": ", s.ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> MetadataStore::LoadJobs() {
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("job/"); it->Valid() && it->key().starts_with("job/"); it->Next()) {
    out[it->key().ToString().substr(4)] = it->value().ToString();
  }
  if (!it->status().ok()) return absl::InternalError(it->status().ToString());
  return out;
}

absl::Status MetadataStore::MigratePackages(
    const std::function<absl::Status(const std::string&, std::string_view)>& move) {
  std::vector<std::string> keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("pkg/"); it->Valid() && it->key().starts_with("pkg/"); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    if (!it->status().ok()) return absl::InternalError(it->status().ToString());
  }
  for (const auto& k : keys) {
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions(), k, &v);
    if (!s.ok()) return absl::InternalError(absl::StrCat("metadata read ", k, ": ", s.ToString()));
    if (auto m = move(k.substr(4), v); !m.ok()) return m;
    rocksdb::WriteOptions w;
    w.sync = true;
    if (auto d = db_->Delete(w, k); !d.ok()) {
      return absl::InternalError(absl::StrCat("metadata delete ", k, ": ", d.ToString()));
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::cluster
