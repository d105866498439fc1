// ConfigKeys: the one table of every job config key Eddy knows — key or key pattern, type,
// default and a one-line doc — and the check that runs it over a job's config. Used by the
// coordinator at submit (warnings go back to `eddy job submit`), by ParseJobConfig (so
// eddy-container logs them at start) and by docs/CONFIG.md, which lists the same table.
//
// Patterns are dot-separated: `*` stands for one name (a system, store, stream or serde name,
// which may itself contain dots for streams), a trailing `**` for any rest (keys passed through
// to librdkafka or RocksDB, user keys under `app.`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"

namespace eddy::runtime {

enum class KeyType {
  kString,
  kInt,          // int32, checked against `min`
  kLong,         // int64, checked against `min`
  kDouble,       // checked > 0
  kBool,         // true | false, case-insensitive
  kDuration,     // milliseconds: integer or with a unit suffix (Config::GetDurationMs)
  kList,         // comma-separated
  kEnum,         // one of `choices` (comma-separated)
  kPassThrough,  // handed on unchanged (librdkafka, RocksDB, the job's own keys): known, unchecked
  kIgnored,      // a Samza key for something Eddy does differently: `doc` says what, warned
};

// Which system factory a systems.<s>.* key applies to.
enum class SystemKind { kAny, kEddy, kKafka };

struct ConfigKey {
  std::string_view pattern;
  KeyType type;
  std::string_view default_value;  // "" = none / required where the doc says so
  std::string_view doc;
  int64_t min = INT64_MIN;        // kInt / kLong / kDuration
  std::string_view choices = "";  // kEnum
  SystemKind system = SystemKind::kAny;
};

// Every key, in documentation order.
const std::vector<ConfigKey>& KnownConfigKeys();

// The system kind named by a factory value (eddy, kafka, Samza's KafkaSystemFactory class), or
// nullopt-like kAny when the value is not a known factory.
SystemKind SystemKindOf(std::string_view factory);

// "factory", or "samza.factory" when only Samza's spelling is set: the key under
// systems.<s>. that names the system's factory.
std::string SystemFactoryKey(const Config& config, const std::string& system);

// Checks every entry of `config` against the table. A malformed value of a known key is an
// InvalidArgument naming key and value ("config key K: expected an integer, got 'abc'",
// "config key K: -1 must be >= 1"). Otherwise returns the warnings, one per key, sorted by key:
// unknown keys ("unknown config key K; ...") and Samza keys Eddy ignores ("K is ignored: ...").
absl::StatusOr<std::vector<std::string>> CheckConfigKeys(const Config& config);

// Samza's spellings → Eddy's, where Eddy has the concept: for a kafka system without
// systems.<s>.bootstrap.servers, the value of systems.<s>.producer.bootstrap.servers /
// consumer.bootstrap.servers. (systems.<s>.samza.factory is read where systems.<s>.factory is,
// by SystemFactoryKey, so errors name the key the user wrote.) Eddy's own key wins when both
// are set.
Config ApplySamzaAliases(const Config& config);

// The table as a Markdown table (docs/CONFIG.md is generated from it).
std::string ConfigKeysMarkdown();

}  // namespace eddy::runtime
