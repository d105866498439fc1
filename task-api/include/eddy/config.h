// Config: a job's configuration, an immutable flat map of .properties keys (Samza's key names).
// Used by job authors (Context::config()) and by every part of the runtime that reads settings.
// Typed getters return absl::StatusOr with errors that name the key, e.g.
//   "config key task.window.ms: expected an integer, got 'abc'".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace eddy {

class Config {
 public:
  using Map = std::map<std::string, std::string, std::less<>>;

  Config() = default;
  explicit Config(Map entries, std::string source = "")
      : entries_(std::move(entries)), source_(std::move(source)) {}

  // Where the config came from (a file name), or "" when built in code.
  const std::string& source() const { return source_; }
  const Map& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool Has(std::string_view key) const;

  // The raw value; NotFound "config key K is missing" when absent.
  absl::StatusOr<std::string> Get(std::string_view key) const;
  // The raw value, or `default_value` when absent.
  std::string GetOr(std::string_view key, std::string_view default_value) const;

  // Typed getters. The one-argument form fails with NotFound when the key is absent; the
  // two-argument form returns `default_value` then. Both fail with InvalidArgument on a malformed
  // value (the error names the key and quotes the value).
  absl::StatusOr<int32_t> GetInt(std::string_view key) const;
  absl::StatusOr<int32_t> GetInt(std::string_view key, int32_t default_value) const;
  absl::StatusOr<int64_t> GetLong(std::string_view key) const;
  absl::StatusOr<int64_t> GetLong(std::string_view key, int64_t default_value) const;
  // true or false, case-insensitive; anything else is InvalidArgument (the one boolean syntax of
  // every Eddy key).
  absl::StatusOr<bool> GetBool(std::string_view key) const;
  absl::StatusOr<bool> GetBool(std::string_view key, bool default_value) const;
  // Milliseconds: a plain integer (Samza style, "60000") or a number with a unit suffix:
  // ms, s, m, h, d ("10s" = 10000). Negative plain values are allowed (-1 = off, as in Samza).
  absl::StatusOr<int64_t> GetDurationMs(std::string_view key) const;
  absl::StatusOr<int64_t> GetDurationMs(std::string_view key, int64_t default_value) const;
  // Comma-separated list; items are trimmed and empty items dropped. Absent key: NotFound /
  // the default.
  absl::StatusOr<std::vector<std::string>> GetList(std::string_view key) const;
  std::vector<std::string> GetListOr(std::string_view key,
                                     std::vector<std::string> default_value) const;

  // The entries whose key starts with `prefix`, with the prefix removed when `strip_prefix`
  // (Subset("stores.counts.") gives "factory", "key.serde", ...).
  Config Subset(std::string_view prefix, bool strip_prefix = true) const;
  // This config with every entry of `overrides` set on top.
  Config Merge(const Config& overrides) const;

 private:
  Map entries_;
  std::string source_;
};

// Parses Java .properties text: '#' and '!' comment lines, "key=value", "key: value" and
// "key value", leading whitespace ignored, a trailing backslash continues the value on the next
// line, escapes \t \n \r \f \\ \= \: \# \! \uXXXX (written as UTF-8). A later duplicate key wins.
// Stricter than Java where Java silently guesses: a line with a key but no separator, an empty
// key, a bad \u escape, or a continuation at end of file is an error naming
// "<source_name>:<line>".
absl::StatusOr<Config> ParseProperties(std::string_view text, std::string_view source_name);

// Reads and parses a .properties file; errors name the path (and line).
absl::StatusOr<Config> LoadPropertiesFile(const std::string& path);

}  // namespace eddy
