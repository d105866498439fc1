#include "coordinator/cli/output.h"

#include <cstdio>
#include <map>

#include "google/protobuf/util/json_util.h"

namespace eddy::cli {

void AddOutputFlag(CLI::App* command, OutputFlags* flags) {
  const std::map<std::string, OutputFormat> formats = {{"text", OutputFormat::kText},
                                                       {"json", OutputFormat::kJson}};
  command
      ->add_option_function<std::string>(
          "--output,-o",
          [flags, formats](const std::string& v) {
            auto it = formats.find(v);
            if (it == formats.end()) {
              throw CLI::ValidationError("--output",
                                         "'" + v + "' is not an output format; use text or json");
            }
            flags->format = it->second;
          },
          "text (default) or json: one JSON document on stdout, for scripts")
      ->type_name("FORMAT");
  command->add_flag_callback(
      "--json", [flags] { flags->format = OutputFormat::kJson; }, "the same as --output json");
}

void PrintJson(const nlohmann::json& doc) {
  // Keys and values read from stores may be any bytes: invalid UTF-8 becomes U+FFFD instead of
  // an exception.
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

nlohmann::json ProtoToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &out, o).ok()) {
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
}

}  // namespace eddy::cli
