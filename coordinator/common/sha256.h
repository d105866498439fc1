// SHA-256 as lowercase hex: the digest that names a job package everywhere (submit, the
// coordinator's package store, the node's package cache). Used by the coordinator, node and CLI.
#pragma once

#include <string>
#include <string_view>

namespace eddy::cluster {

std::string Sha256Hex(std::string_view data);

}  // namespace eddy::cluster
