// SerdeRegistry: serde classes by name, built-ins, Samza factory aliases, config resolution.
#include <algorithm>

#include "eddy/json_serde.h"
#include "eddy/serde.h"

namespace eddy {
namespace {

// Built-in name for a class name (ours or Samza's factory), or "" when not a built-in.
std::string BuiltinName(std::string_view cls) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"string", "string"},
      {"bytes", "bytes"},
      {"byte", "bytes"},
      {"int32", "int32"},
      {"integer", "int32"},
      {"int", "int32"},
      {"int64", "int64"},
      {"long", "int64"},
      {"json", "json"},
      {"org.apache.samza.serializers.StringSerdeFactory", "string"},
      {"org.apache.samza.serializers.ByteSerdeFactory", "bytes"},
      {"org.apache.samza.serializers.IntegerSerdeFactory", "int32"},
      {"org.apache.samza.serializers.LongSerdeFactory", "int64"},
      {"org.apache.samza.serializers.JsonSerdeFactory", "json"},
      {"org.apache.samza.serializers.JsonSerdeV2Factory", "json"},
  };
  for (const auto& [alias, name] : kAliases) {
    if (cls == alias) return name;
  }
  return "";
}

std::shared_ptr<const SerdeBase> MakeBuiltin(std::string_view name) {
  if (name == "string") return std::make_shared<StringSerde>();
  if (name == "bytes") return std::make_shared<BytesSerde>();
  if (name == "int32") return std::make_shared<Int32Serde>();
  if (name == "int64") return std::make_shared<Int64Serde>();
  if (name == "json") return std::make_shared<JsonSerde>();
  return nullptr;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

SerdeRegistry& SerdeRegistry::Global() {
  static SerdeRegistry* registry = new SerdeRegistry();  // never destroyed: used at exit too
  return *registry;
}

bool SerdeRegistry::Register(std::string class_name, SerdeFactoryFn factory) {
  std::lock_guard<std::mutex> lock(mu_);
  factories_[std::move(class_name)] = std::move(factory);
  return true;
}

absl::StatusOr<std::shared_ptr<const SerdeBase>> SerdeRegistry::CreateByClass(
    std::string_view class_name) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = factories_.find(class_name);
    if (it != factories_.end()) {
      std::unique_ptr<SerdeBase> serde = it->second();
      if (serde == nullptr) {
        return absl::InternalError("serde class " + std::string(class_name) +
                                   ": factory returned null");
      }
      return std::shared_ptr<const SerdeBase>(std::move(serde));
    }
  }
  std::string builtin = BuiltinName(class_name);
  if (!builtin.empty()) return MakeBuiltin(builtin);
  return absl::NotFoundError("unknown serde class '" + std::string(class_name) +
                             "'; known: " + Join(KnownClasses()) +
                             " (register one with EDDY_REGISTER_SERDE in the job library)");
}

std::vector<std::string> SerdeRegistry::KnownClasses() const {
  std::vector<std::string> out = {"bytes", "int32", "int64", "json", "string"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, f] : factories_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<std::shared_ptr<const SerdeBase>> ResolveSerde(const Config& config,
                                                              std::string_view serde_name,
                                                              std::string_view referring_key) {
  const std::string registry_key = "serializers.registry." + std::string(serde_name) + ".class";
  if (config.Has(registry_key)) {
    std::string cls = config.GetOr(registry_key, "");
    absl::StatusOr<std::shared_ptr<const SerdeBase>> s = SerdeRegistry::Global().CreateByClass(cls);
    if (!s.ok()) {
      return absl::Status(s.status().code(), "config key " + registry_key + " (used by " +
                                                 std::string(referring_key) +
                                                 "): " + std::string(s.status().message()));
    }
    return s;
  }
  absl::StatusOr<std::shared_ptr<const SerdeBase>> s =
      SerdeRegistry::Global().CreateByClass(serde_name);
  if (!s.ok()) {
    return absl::NotFoundError("config key " + std::string(referring_key) + ": serde '" +
                               std::string(serde_name) + "' is not defined: set " + registry_key +
                               " or use a built-in (" +
                               Join(SerdeRegistry::Global().KnownClasses()) + ")");
  }
  return s;
}

}  // namespace eddy
