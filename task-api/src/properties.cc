// Java .properties parser (ParseProperties, LoadPropertiesFile).
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "eddy/config.h"

namespace eddy {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\f'; }

absl::Status LineError(std::string_view source, int line, std::string_view what) {
  return absl::InvalidArgumentError(std::string(source) + ":" + std::to_string(line) + ": " +
                                    std::string(what));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Resolves escapes in `in`; errors describe the bad escape.
absl::Status Unescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i == in.size()) break;  // a lone trailing backslash is dropped, as Java does
    char e = in[i];
    switch (e) {
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        if (i + 4 >= in.size()) {
          return absl::InvalidArgumentError(
              "malformed \\u escape: expected 4 hex digits, got '\\u" +
              std::string(in.substr(i + 1)) + "'");
        }
        uint32_t cp = 0;
        for (size_t k = 1; k <= 4; ++k) {
          char h = in[i + k];
          cp <<= 4;
          if (h >= '0' && h <= '9')
            cp |= static_cast<uint32_t>(h - '0');
          else if (h >= 'a' && h <= 'f')
            cp |= static_cast<uint32_t>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F')
            cp |= static_cast<uint32_t>(h - 'A' + 10);
          else
            return absl::InvalidArgumentError(
                "malformed \\u escape: expected 4 hex digits, got '\\u" +
                std::string(in.substr(i + 1, 4)) + "'");
        }
        i += 4;
        // A UTF-16 surrogate pair written as two \u escapes.
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < in.size() && in[i + 1] == '\\' &&
            in[i + 2] == 'u') {
          uint32_t lo = 0;
          bool ok = true;
          for (size_t k = 3; k <= 6; ++k) {
            char h = in[i + k];
            lo <<= 4;
            if (h >= '0' && h <= '9')
              lo |= static_cast<uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f')
              lo |= static_cast<uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              lo |= static_cast<uint32_t>(h - 'A' + 10);
            else
              ok = false;
          }
          if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        out->push_back(e);
        break;  // \\ \= \: \# \! \space and any other char
    }
  }
  return absl::OkStatus();
}

// True when `line` ends in an odd number of backslashes (a continuation).
bool EndsWithContinuation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

}  // namespace

absl::StatusOr<Config> ParseProperties(std::string_view text, std::string_view source_name) {
  Config::Map entries;
  // Split into physical lines (\n, \r\n or \r).
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));

  std::string logical, key, value;
  for (size_t li = 0; li < lines.size(); ++li) {
    const int line_no = static_cast<int>(li) + 1;
    std::string_view line = lines[li];
    size_t p = 0;
    while (p < line.size() && IsWs(line[p])) ++p;
    if (p == line.size()) continue;
    if (line[p] == '#' || line[p] == '!') continue;
    logical.assign(line.substr(p));
    while (EndsWithContinuation(logical)) {
      logical.pop_back();
      if (++li == lines.size()) {
        return LineError(source_name, line_no,
                         "line continuation (trailing backslash) at end of file");
      }
      std::string_view next = lines[li];
      size_t q = 0;
      while (q < next.size() && IsWs(next[q])) ++q;
      logical.append(next.substr(q));
    }
    // Key: up to the first unescaped '=', ':' or whitespace.
    size_t k = 0;
    while (k < logical.size()) {
      char c = logical[k];
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (c == '=' || c == ':' || IsWs(c)) break;
      ++k;
    }
    if (k > logical.size()) k = logical.size();
    std::string_view raw_key = std::string_view(logical).substr(0, k);
    size_t v = k;
    while (v < logical.size() && IsWs(logical[v])) ++v;
    bool explicit_sep = false;
    if (v < logical.size() && (logical[v] == '=' || logical[v] == ':')) {
      explicit_sep = true;
      ++v;
      while (v < logical.size() && IsWs(logical[v])) ++v;
    }
    std::string_view raw_value = std::string_view(logical).substr(v);
    if (raw_key.empty()) {
      return LineError(source_name, line_no, "empty key in '" + logical + "' (expected key=value)");
    }
    if (!explicit_sep && raw_value.empty()) {
      return LineError(source_name, line_no,
                       "expected 'key=value' or 'key: value', got '" + logical + "'");
    }
    if (absl::Status s = Unescape(raw_key, &key); !s.ok()) {
      return LineError(source_name, line_no, "key: " + std::string(s.message()));
    }
    if (absl::Status s = Unescape(raw_value, &value); !s.ok()) {
      return LineError(source_name, line_no, "value of " + key + ": " + std::string(s.message()));
    }
    entries[key] = value;
  }
  return Config(std::move(entries), std::string(source_name));
}

absl::StatusOr<Config> LoadPropertiesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError("cannot open config file " + path +
                               ": no such file or not readable");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError("error reading config file " + path);
  return ParseProperties(ss.str(), path);
}

}  // namespace eddy
