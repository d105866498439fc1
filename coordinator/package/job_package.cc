#include "coordinator/package/job_package.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eddy/config.h"

namespace eddy::cluster {
namespace fs = std::filesystem;
namespace {

// Lexically normalized relative path stays inside the root (no absolute, no leading "..").
bool StaysInside(const fs::path& rel) {
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) return false;
  fs::path n = rel.lexically_normal();
  if (n.empty()) return true;
  auto first = *n.begin();
  return first != "..";
}

bool HasDotDot(const std::string& p) {
  for (const auto& part : fs::path(p)) {
    if (part == "..") return true;
  }
  return false;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

namespace {

using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

ArchivePtr NewReader() {
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

absl::Status ExtractFrom(ArchivePtr a, const std::string& dest, int64_t max_unpacked_bytes);

}  // namespace

absl::Status ExtractPackage(const std::string& bytes, const std::string& dest,
                            int64_t max_unpacked_bytes) {
  ArchivePtr a = NewReader();
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("job package is not a readable .tar.gz: ", archive_error_string(a.get())));
  }
  return ExtractFrom(std::move(a), dest, max_unpacked_bytes);
}

absl::Status ExtractPackageFile(const std::string& path, const std::string& dest,
                                int64_t max_unpacked_bytes) {
  ArchivePtr a = NewReader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job package ", path, " is not a readable .tar.gz: ", archive_error_string(a.get())));
  }
  return ExtractFrom(std::move(a), dest, max_unpacked_bytes);
}

namespace {

absl::Status ExtractFrom(ArchivePtr a, const std::string& dest, int64_t max_unpacked_bytes) {
  int64_t unpacked = 0;
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dest, ": ", ec.message()));
  fs::path root = fs::absolute(dest);
  int entries = 0;
  while (true) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return absl::InvalidArgumentError(absl::StrCat("job package: corrupt archive after ", entries,
                                                     " entries: ", archive_error_string(a.get())));
    }
    ++entries;
    const char* name_c = archive_entry_pathname(e);
    std::string name = name_c ? name_c : "";
    if (name.empty()) return absl::InvalidArgumentError("job package: an entry has no name");
    if (name.front() == '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("job package entry '", name, "': absolute path"));
    }
    if (HasDotDot(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("job package entry '", name, "': path contains '..'"));
    }
    fs::path rel = fs::path(name).lexically_normal();
    if (!StaysInside(rel)) {
      return absl::InvalidArgumentError(
          absl::StrCat("job package entry '", name, "': leads out of the package"));
    }
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "job package entry '", name, "': device, fifo or socket files are not allowed"));
    }
    if (const char* hl = archive_entry_hardlink(e)) {
      std::string target = hl;
      if (target.empty() || target.front() == '/' || HasDotDot(target) ||
          !StaysInside(fs::path(target))) {
        return absl::InvalidArgumentError(absl::StrCat("job package entry '", name,
                                                       "': hard link to '", target,
                                                       "' leads out of the package"));
      }
      archive_entry_set_hardlink(e, (root / fs::path(target).lexically_normal()).c_str());
    }
    if (type == AE_IFLNK) {
      const char* st = archive_entry_symlink(e);
      std::string target = st ? st : "";
      fs::path resolved = (rel.parent_path() / target).lexically_normal();
      if (target.empty() || target.front() == '/' || !StaysInside(resolved)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "job package entry '", name, "': symlink to '", target, "' leads out of the package"));
      }
    }
    fs::path out = root / rel;
    archive_entry_set_pathname(e, out.c_str());
    // Never honour the archive's owner or odd permission bits.
    if (type == AE_IFDIR) {
      archive_entry_set_perm(e, 0755);
    } else {
      archive_entry_set_perm(e, (archive_entry_perm(e) & 0111) ? 0755 : 0644);
    }
    fs::create_directories(out.parent_path(), ec);
    // Refuse to write through a symlink an earlier entry created.
    for (fs::path p = out.parent_path(); p != root && p.has_relative_path(); p = p.parent_path()) {
      if (fs::is_symlink(p)) {
        return absl::InvalidArgumentError(absl::StrCat("job package entry '", name,
                                                       "': would be written through the symlink ",
                                                       fs::relative(p, root).string()));
      }
    }
    std::unique_ptr<archive, decltype(&archive_write_free)> w(archive_write_disk_new(),
                                                              &archive_write_free);
    archive_write_disk_set_options(w.get(), ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_TIME);
    if (archive_write_header(w.get(), e) != ARCHIVE_OK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "job package entry '", name, "': cannot extract: ", archive_error_string(w.get())));
    }
    if (type == AE_IFREG && archive_entry_size(e) > 0) {
      unpacked += archive_entry_size(e);
      if (max_unpacked_bytes > 0 && unpacked > max_unpacked_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat("job package unpacks to more than ",
                                                         max_unpacked_bytes, " bytes (at entry '",
                                                         name, "'): over the unpacked size limit"));
      }
      const void* buf;
      size_t size;
      la_int64_t off;
      while ((r = archive_read_data_block(a.get(), &buf, &size, &off)) == ARCHIVE_OK) {
        if (archive_write_data_block(w.get(), buf, size, off) != ARCHIVE_OK) {
          return absl::InternalError(absl::StrCat(
              "job package entry '", name, "': write failed: ", archive_error_string(w.get())));
        }
      }
      if (r != ARCHIVE_EOF) {
        return absl::InvalidArgumentError(
            absl::StrCat("job package entry '", name, "': truncated or corrupt data"));
      }
    }
    archive_write_finish_entry(w.get());
  }
  if (entries == 0) return absl::InvalidArgumentError("job package is empty");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ReadPackageConfig(const std::string& root) {
  fs::path dir = fs::path(root) / "config";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError("job package has no config/ directory");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".properties") files.push_back(e.path());
  }
  if (files.empty()) {
    return absl::InvalidArgumentError("job package has no config/*.properties file");
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> out;
  for (const auto& f : files) {
    auto c = LoadPropertiesFile(f.string());
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("job package config/", f.filename().string(), ": ", c.status().message()));
    }
    for (const auto& [k, v] : c->entries()) out[k] = v;
  }
  return out;
}

absl::StatusOr<std::string> ResolveTaskLibrary(const std::string& root, const std::string& value) {
  if (value.empty()) return absl::InvalidArgumentError("missing required key task.library");
  fs::path v(value);
  if (v.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "task.library=", value, ": must be a path inside the package (lib/...), not absolute"));
  }
  fs::path r = fs::absolute(root);
  fs::path lib = (r / "lib").lexically_normal();
  for (const fs::path& base : {r / "config", r, r / "lib"}) {
    fs::path p = (base / v).lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    auto rel = p.lexically_relative(lib);
    if (rel.empty() || *rel.begin() == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("task.library=", value, ": the library must be under lib/"));
    }
    return p.string();
  }
  return absl::InvalidArgumentError(absl::StrCat("task.library=", value,
                                                 ": no such file in the job package (lib/ has ",
                                                 "the job's libraries)"));
}

absl::Status CheckPackageLayout(const std::string& root,
                                const std::map<std::string, std::string>& config) {
  std::error_code ec;
  if (!fs::is_directory(fs::path(root) / "lib", ec)) {
    return absl::InvalidArgumentError("job package has no lib/ directory (no task library)");
  }
  // An application (app.class) generates task.class and task.inputs (eddy/app_registry.h).
  const bool app = config.count("app.class") && !config.at("app.class").empty();
  for (const char* key : {"job.name", "task.class", "task.library", "task.inputs"}) {
    if (app && (std::string_view(key) == "task.class" || std::string_view(key) == "task.inputs")) {
      continue;
    }
    auto it = config.find(key);
    if (it == config.end() || it->second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("missing required key ", key));
    }
  }
  auto lib = ResolveTaskLibrary(root, config.at("task.library"));
  if (!lib.ok()) return lib.status();
  return absl::OkStatus();
}

}  // namespace eddy::cluster
