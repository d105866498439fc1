// Job packages (.tar.gz with lib/, config/*.properties, optional bin/): safe extraction and the
// structural checks done at submit (coordinator) and after download (eddy-node). An entry with
// an absolute path, `..`, a symlink or hard link leading out of the package, or a device / fifo /
// socket is rejected with the entry named; nothing is written outside `dest`.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::cluster {

// Unpacks the gzip'd tar in `bytes` into `dest` (created). InvalidArgument naming the entry;
// ResourceExhausted when the regular files add up to more than `max_unpacked_bytes` (0 = no
// limit), so a small archive cannot fill the disk.
absl::Status ExtractPackage(const std::string& bytes, const std::string& dest,
                            int64_t max_unpacked_bytes = 0);

// The same, reading the archive from the file `path` as it goes (memory does not grow with the
// package's size).
absl::Status ExtractPackageFile(const std::string& path, const std::string& dest,
                                int64_t max_unpacked_bytes = 0);

// The merged properties of `root`/config/*.properties (files in name order, later wins).
// InvalidArgument when there is no config/ or no .properties in it, or a file does not parse.
absl::StatusOr<std::map<std::string, std::string>> ReadPackageConfig(const std::string& root);

// Resolves task.library (`value`) against the package: absolute paths are rejected; a relative
// path is tried against config/, the package root and lib/. InvalidArgument naming
// task.library when the file is not in the package or not inside lib/.
absl::StatusOr<std::string> ResolveTaskLibrary(const std::string& root, const std::string& value);

// Checks at submit on an extracted package with its merged config: lib/ exists, task.library
// and task.class (or app.class) are set and the library is in lib/. Errors name the key or the file.
absl::Status CheckPackageLayout(const std::string& root,
                                const std::map<std::string, std::string>& config);

}  // namespace eddy::cluster
