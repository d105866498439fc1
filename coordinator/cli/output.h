// --output text|json of the `eddy` CLI's list, status and describe commands: one flag, parsed the
// same way everywhere, and one way to print a JSON document, so scripts read every command alike.
//
// A command that lists or describes something calls AddOutputFlag() on its subcommand, builds its
// answer, then prints it either as text (its own table, unchanged) or as one JSON document on
// stdout with PrintJson(). JSON documents are objects (never bare arrays, so fields can be added
// without breaking readers); protobuf answers are converted with ProtoToJson(), which keeps the
// .proto field names and prints every field, including zero ones (int64 fields are JSON strings,
// as the protobuf JSON mapping says). Errors still go to stderr as text with a non-zero exit code.
//
// Usage, in a command group's file:
//   auto out = std::make_shared<OutputFlags>();
//   AddOutputFlag(c, out.get());
//   ... if (out->json()) { PrintJson({{"topics", names}}); } else { /* text table */ }
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {

enum class OutputFormat { kText, kJson };

// What --output (and the older --json) set on one subcommand.
struct OutputFlags {
  OutputFormat format = OutputFormat::kText;
  bool json() const { return format == OutputFormat::kJson; }
};

// Adds `--output text|json` (default text; a bad value is a usage error that names the flag and
// the value) and `--json` (the same as --output json, kept for scripts written before --output).
void AddOutputFlag(CLI::App* command, OutputFlags* flags);

// Prints `doc` on stdout as one line of JSON followed by a newline, and flushes. Bytes that are
// not UTF-8 (a binary key) are printed as U+FFFD.
void PrintJson(const nlohmann::json& doc);

// `message` as a JSON object with the .proto field names and every field present.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

}  // namespace eddy::cli
