// Serdes: how keys and messages of streams and stores turn into bytes and back.
// Used by job authors (KeyValueStore<K, V>, typed envelopes, their own serdes) and by the runtime
// (decoding input, encoding output and store entries).
//
// Built-in serdes by name: "string" (std::string, UTF-8 bytes as is), "bytes" (std::string, raw),
// "int32" (int32_t, 4 bytes big-endian, as Samza/Kafka's IntegerSerde), "int64" (int64_t, 8 bytes
// big-endian), "json" (nlohmann::json, see json_serde.h). A job library adds its own with
//   EDDY_REGISTER_SERDE("com.example.PointSerde", PointSerde);
// and config binds names to classes, as in Samza:
//   serializers.registry.point.class=com.example.PointSerde
//   stores.points.msg.serde=point
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "eddy/erased_value.h"

namespace eddy {

// InvalidArgument "serde for <want> was given a value of type <got>".
absl::Status SerdeTypeMismatch(const std::type_info& got, const std::type_info& want);

// The type-erased face of a serde; what the runtime holds.
class SerdeBase {
 public:
  virtual ~SerdeBase();
  // typeid of the C++ type this serde reads and writes (Serde<T>: typeid(T)).
  virtual const std::type_info& value_type() const = 0;
  // Serializes `value` (which must hold value_type(); else InvalidArgument) into *out, replacing
  // its contents.
  virtual absl::Status SerializeErased(const ErasedValue& value, std::string* out) const = 0;
  virtual absl::StatusOr<ErasedValue> DeserializeErased(std::string_view bytes) const = 0;
};

// A serde for values of type T. Implement Serialize and Deserialize; errors should say what was
// wrong with the bytes (the caller adds stream/offset or store/key).
template <class T>
class Serde : public SerdeBase {
 public:
  using value_type_t = T;

  // Writes the bytes of `value` into *out, replacing its contents.
  virtual absl::Status Serialize(const T& value, std::string* out) const = 0;
  virtual absl::StatusOr<T> Deserialize(std::string_view bytes) const = 0;

  const std::type_info& value_type() const final { return typeid(T); }
  absl::Status SerializeErased(const ErasedValue& value, std::string* out) const final {
    const T* v = value.As<T>();
    if (v == nullptr) return SerdeTypeMismatch(value.type(), typeid(T));
    return Serialize(*v, out);
  }
  absl::StatusOr<ErasedValue> DeserializeErased(std::string_view bytes) const final {
    absl::StatusOr<T> v = Deserialize(bytes);
    if (!v.ok()) return v.status();
    return ErasedValue::Of<T>(std::move(*v));
  }
};

// A readable (demangled) C++ type name for error messages, e.g. "std::__cxx11::basic_string<...>"
// shortened to "std::string" for the common cases.
std::string TypeName(const std::type_info& type);

// --- Built-in serdes ---------------------------------------------------------------------------

class StringSerde final : public Serde<std::string> {
 public:
  absl::Status Serialize(const std::string& value, std::string* out) const override;
  absl::StatusOr<std::string> Deserialize(std::string_view bytes) const override;
};

// Same C++ type as StringSerde; kept distinct so config can say "bytes" where Samza users would.
class BytesSerde final : public Serde<std::string> {
 public:
  absl::Status Serialize(const std::string& value, std::string* out) const override;
  absl::StatusOr<std::string> Deserialize(std::string_view bytes) const override;
};

// 4 bytes big-endian (two's complement). Any other length is an error naming the length.
class Int32Serde final : public Serde<int32_t> {
 public:
  absl::Status Serialize(const int32_t& value, std::string* out) const override;
  absl::StatusOr<int32_t> Deserialize(std::string_view bytes) const override;
};

// 8 bytes big-endian (two's complement). Any other length is an error naming the length.
class Int64Serde final : public Serde<int64_t> {
 public:
  absl::Status Serialize(const int64_t& value, std::string* out) const override;
  absl::StatusOr<int64_t> Deserialize(std::string_view bytes) const override;
};

// --- Registry ----------------------------------------------------------------------------------

using SerdeFactoryFn = std::function<std::unique_ptr<SerdeBase>()>;

// Serde classes by name. One process-wide instance lives in libeddy_task_api.so, so the container
// and every dlopen()ed job library share it.
class SerdeRegistry {
 public:
  static SerdeRegistry& Global();

  // Registers (or replaces) a serde class. Returns true so it can initialize a static.
  bool Register(std::string class_name, SerdeFactoryFn factory);

  // Creates a serde from a class name: a registered class, a built-in name ("string", "bytes",
  // "int32", "int64", "json"), or Samza's factory class for a built-in
  // (org.apache.samza.serializers.StringSerdeFactory → string, ByteSerdeFactory → bytes,
  // IntegerSerdeFactory → int32, LongSerdeFactory → int64, JsonSerdeV2Factory/JsonSerdeFactory →
  // json). NotFound lists the known names.
  absl::StatusOr<std::shared_ptr<const SerdeBase>> CreateByClass(std::string_view class_name) const;

  // Registered class names plus the built-in names, sorted.
  std::vector<std::string> KnownClasses() const;

 private:
  SerdeRegistry() = default;
  mutable std::mutex mu_;
  std::map<std::string, SerdeFactoryFn, std::less<>> factories_;
};

// Resolves the serde `serde_name` as config refers to it (e.g. the value of stores.s.key.serde):
// serializers.registry.<serde_name>.class when present (its value goes to CreateByClass), else
// `serde_name` itself when it is a built-in or registered name. Errors name `referring_key` and
// the serializers.registry key.
absl::StatusOr<std::shared_ptr<const SerdeBase>> ResolveSerde(const Config& config,
                                                              std::string_view serde_name,
                                                              std::string_view referring_key);

}  // namespace eddy

#define EDDY_SERDE_CONCAT_INNER(a, b) a##b
#define EDDY_SERDE_CONCAT(a, b) EDDY_SERDE_CONCAT_INNER(a, b)

// Registers serde class `Class` (default-constructible, derived from eddy::Serde<T>) under
// `name`, at load time of the library that contains this line (put it in a .cc file).
#define EDDY_REGISTER_SERDE(name, Class)                                     \
  static const bool EDDY_SERDE_CONCAT(eddy_serde_registered_, __COUNTER__) = \
      ::eddy::SerdeRegistry::Global().Register(                              \
          name, []() -> std::unique_ptr<::eddy::SerdeBase> { return std::make_unique<Class>(); })
