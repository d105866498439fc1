// Built-in serdes (string, bytes, int32, int64, json) and serde helpers.
#include "eddy/serde.h"

#include <cxxabi.h>

#include <cstdlib>

#include "eddy/json_serde.h"

namespace eddy {

SerdeBase::~SerdeBase() = default;

std::string TypeName(const std::type_info& type) {
  if (type == typeid(std::string)) return "std::string";
  if (type == typeid(int32_t)) return "int32_t";
  if (type == typeid(int64_t)) return "int64_t";
  if (type == typeid(nlohmann::json)) return "nlohmann::json";
  if (type == typeid(void)) return "(empty)";
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string out = (status == 0 && demangled != nullptr) ? demangled : type.name();
  std::free(demangled);
  return out;
}

absl::Status SerdeTypeMismatch(const std::type_info& got, const std::type_info& want) {
  return absl::InvalidArgumentError("serde for " + TypeName(want) + " was given a value of type " +
                                    TypeName(got));
}

absl::Status StringSerde::Serialize(const std::string& value, std::string* out) const {
  out->assign(value);
  return absl::OkStatus();
}
absl::StatusOr<std::string> StringSerde::Deserialize(std::string_view bytes) const {
  return std::string(bytes);
}

absl::Status BytesSerde::Serialize(const std::string& value, std::string* out) const {
  out->assign(value);
  return absl::OkStatus();
}
absl::StatusOr<std::string> BytesSerde::Deserialize(std::string_view bytes) const {
  return std::string(bytes);
}

namespace {
template <class T>
void PutBigEndian(T value, std::string* out) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(value);
  out->resize(sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) {
    (*out)[sizeof(T) - 1 - i] = static_cast<char>(u & 0xFF);
    u = static_cast<U>(u >> 8);
  }
}
template <class T>
absl::StatusOr<T> GetBigEndian(std::string_view bytes, const char* name) {
  if (bytes.size() != sizeof(T)) {
    return absl::InvalidArgumentError(std::string(name) + " serde: expected " +
                                      std::to_string(sizeof(T)) + " bytes, got " +
                                      std::to_string(bytes.size()));
  }
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    u = static_cast<U>((u << 8) | static_cast<unsigned char>(bytes[i]));
  }
  return static_cast<T>(u);
}
}  // namespace

absl::Status Int32Serde::Serialize(const int32_t& value, std::string* out) const {
  PutBigEndian<int32_t>(value, out);
  return absl::OkStatus();
}
absl::StatusOr<int32_t> Int32Serde::Deserialize(std::string_view bytes) const {
  return GetBigEndian<int32_t>(bytes, "int32");
}

absl::Status Int64Serde::Serialize(const int64_t& value, std::string* out) const {
  PutBigEndian<int64_t>(value, out);
  return absl::OkStatus();
}
absl::StatusOr<int64_t> Int64Serde::Deserialize(std::string_view bytes) const {
  return GetBigEndian<int64_t>(bytes, "int64");
}

absl::Status JsonSerde::Serialize(const nlohmann::json& value, std::string* out) const {
  try {
    *out = value.dump();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(std::string("json serde: cannot serialize: ") + e.what());
  }
  return absl::OkStatus();
}
absl::StatusOr<nlohmann::json> JsonSerde::Deserialize(std::string_view bytes) const {
  try {
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(std::string("json serde: malformed JSON: ") + e.what());
  }
}

}  // namespace eddy
