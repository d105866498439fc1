#include "runtime/job/names.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace {

size_t MaxLength(NameKind kind) {
  switch (kind) {
    case NameKind::kStream:
      return kMaxStreamNameLength;
    case NameKind::kJobId:
      return kMaxJobIdLength;
    default:
      return kMaxNameLength;
  }
}

bool Allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The value as it can be shown in a message: control bytes escaped, long values cut.
std::string Printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name.substr(0, 80)) {
    if (c < 0x20 || c >= 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > 80) absl::StrAppend(&out, "... (", name.size(), " bytes)");
  return out;
}

}  // namespace

bool IsValidName(NameKind kind, std::string_view name) {
  if (name.empty() || name.size() > MaxLength(kind) || name == "." || name == "..") return false;
  for (char c : name) {
    if (!Allowed(c)) return false;
  }
  return true;
}

absl::Status CheckName(NameKind kind, std::string_view what, std::string_view name) {
  if (IsValidName(kind, name)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      std::string(what), " '", Printable(name), "' is not a valid name: use 1..", MaxLength(kind),
      " characters of [A-Za-z0-9._-], not '.' or '..' (it becomes a directory",
      kind == NameKind::kStream ? " or topic" : "", " name)"));
}

}  // namespace eddy::runtime
