// SystemsHub: the container's systems: one factory, admin and (shared) producer per configured
// system, made on first use; consumers are made per use (inputs, restore, checkpoint reading);
// and one writer per task: a transactional producer on the task's writer system (the checkpoint
// system, factory eddy) that carries every write of the task to any eddy system on the same log
// store (same bootstrap.servers): outputs, changelog records, the checkpoint record. Used by the
// container, its commit protocol, its task stores (changelogs) and the checkpoint store.
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
  // A consumer with the system's settings (eddy: read_committed unless
  // systems.<s>.consumer.isolation.level says otherwise).
  absl::StatusOr<std::unique_ptr<SystemConsumer>> NewConsumer(const std::string& system);
  // A consumer with consumer.isolation.level forced (the trim reads every write, committed or
  // not; restore and checkpoint reads only committed ones).
  absl::StatusOr<std::unique_ptr<SystemConsumer>> NewConsumer(const std::string& system,
                                                              bool read_committed);
  // Flushes every shared producer made so far; the first error names the system.
  absl::Status FlushAll();
  void StopAll();

  // Makes the writer of `task`: a transactional producer on `system` (factory eddy) holding
  // `transactional_id`. InitTransactions is the caller's (the commit protocol's) to call.
  absl::StatusOr<SystemProducer*> AddTaskWriter(const std::string& task, const std::string& system,
                                                const std::string& transactional_id);
  // The writer of `task` (nullptr when none was added).
  SystemProducer* TaskWriter(const std::string& task) const;
  // The producer through which `task` writes to `system`: its writer when `system` is an eddy
  // system on the writer's log store, else the system's shared producer (a kafka system, or an
  // eddy system on another log store: not fenced, not in the task's transaction).
  absl::StatusOr<SystemProducer*> ProducerFor(const std::string& system, const std::string& task);
  // True when `system` reaches the same log store as `task`'s writer (eddy, same bootstrap).
  bool SharesWriter(const std::string& system, const std::string& task) const;

 private:
  struct Writer {
    std::string system;
    std::unique_ptr<SystemProducer> producer;
  };
  absl::StatusOr<SystemFactory*> Factory(const std::string& system);
  std::map<std::string, SystemConfig> configs_;
  std::map<std::string, std::unique_ptr<SystemFactory>> factories_;
  std::map<std::string, std::unique_ptr<SystemAdmin>> admins_;
  std::map<std::string, std::unique_ptr<SystemProducer>> producers_;
  std::map<std::string, Writer> writers_;  // by task name
};

}  // namespace eddy::runtime
