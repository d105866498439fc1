// Config lookups and typed conversions.
#include "eddy/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "absl/status/status.h"

namespace eddy {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

absl::Status Malformed(std::string_view key, std::string_view what, std::string_view value) {
  return absl::InvalidArgumentError("config key " + std::string(key) + ": expected " +
                                    std::string(what) + ", got '" + std::string(value) + "'");
}

template <class T>
bool ParseInteger(std::string_view text, T* out) {
  std::string t = Trim(text);
  const char* b = t.data();
  const char* e = t.data() + t.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return false;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e;
}

}  // namespace

bool Config::Has(std::string_view key) const { return entries_.find(key) != entries_.end(); }

absl::StatusOr<std::string> Config::Get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    std::string msg = "config key " + std::string(key) + " is missing";
    if (!source_.empty()) msg += " (in " + source_ + ")";
    return absl::NotFoundError(msg);
  }
  return it->second;
}

std::string Config::GetOr(std::string_view key, std::string_view default_value) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? std::string(default_value) : it->second;
}

absl::StatusOr<int32_t> Config::GetInt(std::string_view key) const {
  absl::StatusOr<std::string> v = Get(key);
  if (!v.ok()) return v.status();
  int32_t out;
  if (!ParseInteger(*v, &out)) return Malformed(key, "an integer", *v);
  return out;
}
absl::StatusOr<int32_t> Config::GetInt(std::string_view key, int32_t default_value) const {
  return Has(key) ? GetInt(key) : absl::StatusOr<int32_t>(default_value);
}

absl::StatusOr<int64_t> Config::GetLong(std::string_view key) const {
  absl::StatusOr<std::string> v = Get(key);
  if (!v.ok()) return v.status();
  int64_t out;
  if (!ParseInteger(*v, &out)) return Malformed(key, "an integer", *v);
  return out;
}
absl::StatusOr<int64_t> Config::GetLong(std::string_view key, int64_t default_value) const {
  return Has(key) ? GetLong(key) : absl::StatusOr<int64_t>(default_value);
}

absl::StatusOr<bool> Config::GetBool(std::string_view key) const {
  absl::StatusOr<std::string> v = Get(key);
  if (!v.ok()) return v.status();
  std::string t = Trim(*v);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "true") return true;
  if (t == "false") return false;
  return Malformed(key, "true or false", *v);
}
absl::StatusOr<bool> Config::GetBool(std::string_view key, bool default_value) const {
  return Has(key) ? GetBool(key) : absl::StatusOr<bool>(default_value);
}

absl::StatusOr<int64_t> Config::GetDurationMs(std::string_view key) const {
  absl::StatusOr<std::string> v = Get(key);
  if (!v.ok()) return v.status();
  std::string t = Trim(*v);
  size_t digits_end = 0;
  if (digits_end < t.size() && (t[0] == '-' || t[0] == '+')) ++digits_end;
  while (digits_end < t.size() && std::isdigit(static_cast<unsigned char>(t[digits_end])))
    ++digits_end;
  int64_t n;
  if (!ParseInteger(std::string_view(t).substr(0, digits_end), &n)) {
    return Malformed(key, "a duration in ms (e.g. 60000 or 10s)", *v);
  }
  std::string unit = Trim(std::string_view(t).substr(digits_end));
  int64_t mult;
  if (unit.empty() || unit == "ms") {
    mult = 1;
  } else if (unit == "s") {
    mult = 1000;
  } else if (unit == "m" || unit == "min") {
    mult = 60 * 1000;
  } else if (unit == "h") {
    mult = 3600 * 1000;
  } else if (unit == "d") {
    mult = 24LL * 3600 * 1000;
  } else {
    return Malformed(key, "a duration in ms (e.g. 60000 or 10s; units ms, s, m, h, d)", *v);
  }
  if (n > std::numeric_limits<int64_t>::max() / mult ||
      n < std::numeric_limits<int64_t>::min() / mult) {
    return Malformed(key, "a duration that fits in 64-bit milliseconds", *v);
  }
  return n * mult;
}
absl::StatusOr<int64_t> Config::GetDurationMs(std::string_view key, int64_t default_value) const {
  return Has(key) ? GetDurationMs(key) : absl::StatusOr<int64_t>(default_value);
}

absl::StatusOr<std::vector<std::string>> Config::GetList(std::string_view key) const {
  absl::StatusOr<std::string> v = Get(key);
  if (!v.ok()) return v.status();
  std::vector<std::string> out;
  std::string_view rest = *v;
  while (true) {
    size_t comma = rest.find(',');
    std::string item = Trim(rest.substr(0, comma));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}
std::vector<std::string> Config::GetListOr(std::string_view key,
                                           std::vector<std::string> default_value) const {
  absl::StatusOr<std::vector<std::string>> v = GetList(key);
  return v.ok() ? *std::move(v) : std::move(default_value);
}

Config Config::Subset(std::string_view prefix, bool strip_prefix) const {
  Map out;
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
       ++it) {
    out.emplace(strip_prefix ? it->first.substr(prefix.size()) : it->first, it->second);
  }
  return Config(std::move(out), source_);
}

Config Config::Merge(const Config& overrides) const {
  Map out = entries_;
  for (const auto& [k, v] : overrides.entries_) out[k] = v;
  return Config(std::move(out), source_);
}

}  // namespace eddy
