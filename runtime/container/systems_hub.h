// SystemsHub: the container's systems: one factory, admin and (shared) producer per configured
// system, made on first use; consumers are made per use (inputs, restore, checkpoint reading).
// Used by the container, its task stores (changelogs) and the checkpoint store.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/system/system_factory.h"

namespace eddy::runtime {

class SystemsHub {
 public:
  explicit SystemsHub(std::map<std::string, SystemConfig> systems) : configs_(std::move(systems)) {}
  ~SystemsHub();

  absl::StatusOr<SystemAdmin*> Admin(const std::string& system);
  absl::StatusOr<SystemProducer*> Producer(const std::string& system);
  absl::StatusOr<std::unique_ptr<SystemConsumer>> NewConsumer(const std::string& system);
  // Flushes every producer made so far; the first error names the system.
  absl::Status FlushAll();
  void StopAll();

 private:
  absl::StatusOr<SystemFactory*> Factory(const std::string& system);
  std::map<std::string, SystemConfig> configs_;
  std::map<std::string, std::unique_ptr<SystemFactory>> factories_;
  std::map<std::string, std::unique_ptr<SystemAdmin>> admins_;
  std::map<std::string, std::unique_ptr<SystemProducer>> producers_;
};

}  // namespace eddy::runtime
