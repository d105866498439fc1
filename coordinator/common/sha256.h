// SHA-256 as lowercase hex: the digest that names a job package everywhere (submit, the
// coordinator's package store, the node's package cache). Used by the coordinator, node and CLI.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace eddy::cluster {

std::string Sha256Hex(std::string_view data);

// Incremental SHA-256, for packages hashed as they stream by.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // The digest as lowercase hex; the hasher is then spent.
  std::string FinalHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The SHA-256 of the file at `path`, read in chunks. NotFound naming the file.
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

// True when `digest` looks like a SHA-256 hex digest (64 lowercase hex characters), so it can
// name a file.
bool IsSha256Hex(std::string_view digest);

}  // namespace eddy::cluster
