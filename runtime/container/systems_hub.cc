#include "runtime/container/systems_hub.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

SystemsHub::~SystemsHub() { StopAll(); }

absl::StatusOr<SystemFactory*> SystemsHub::Factory(const std::string& system) {
  auto it = factories_.find(system);
  if (it != factories_.end()) return it->second.get();
  auto c = configs_.find(system);
  if (c == configs_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("system '", system, "' is not defined (no systems.", system, ".factory)"));
  }
  auto f = MakeSystemFactory(c->second);
  if (!f.ok()) return f.status();
  return (factories_[system] = std::move(*f)).get();
}

absl::StatusOr<SystemAdmin*> SystemsHub::Admin(const std::string& system) {
  auto it = admins_.find(system);
  if (it != admins_.end()) return it->second.get();
  auto f = Factory(system);
  if (!f.ok()) return f.status();
  auto a = (*f)->MakeAdmin(configs_[system]);
  if (!a.ok()) return a.status();
  return (admins_[system] = std::move(*a)).get();
}

absl::StatusOr<SystemProducer*> SystemsHub::Producer(const std::string& system) {
  auto it = producers_.find(system);
  if (it != producers_.end()) return it->second.get();
  auto f = Factory(system);
  if (!f.ok()) return f.status();
  auto p = (*f)->MakeProducer(configs_[system]);
  if (!p.ok()) return p.status();
  return (producers_[system] = std::move(*p)).get();
}

absl::StatusOr<std::unique_ptr<SystemConsumer>> SystemsHub::NewConsumer(const std::string& system) {
  auto f = Factory(system);
  if (!f.ok()) return f.status();
  return (*f)->MakeConsumer(configs_[system]);
}

absl::StatusOr<std::unique_ptr<SystemConsumer>> SystemsHub::NewConsumer(const std::string& system,
                                                                        bool read_committed) {
  auto f = Factory(system);
  if (!f.ok()) return f.status();
  SystemConfig c = configs_[system];
  c.props["consumer.isolation.level"] = read_committed ? "read_committed" : "read_uncommitted";
  return (*f)->MakeConsumer(c);
}

absl::Status SystemsHub::FlushAll() {
  for (auto& [name, p] : producers_) {
    if (auto s = p->Flush(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void SystemsHub::StopAll() {
  for (auto& [name, p] : producers_) p->Stop();
  for (auto& [task, w] : writers_) w.producer->Stop();
}

absl::StatusOr<SystemProducer*> SystemsHub::AddTaskWriter(const std::string& task,
                                                          const std::string& system,
                                                          const std::string& transactional_id) {
  if (writers_.count(task)) {
    return absl::AlreadyExistsError(absl::StrCat("task '", task, "' has a writer already"));
  }
  auto f = Factory(system);
  if (!f.ok()) return f.status();
  auto p = (*f)->MakeTransactionalProducer(configs_[system], transactional_id);
  if (!p.ok()) return p.status();
  Writer& w = writers_[task];
  w.system = system;
  w.producer = std::move(*p);
  return w.producer.get();
}

SystemProducer* SystemsHub::TaskWriter(const std::string& task) const {
  auto it = writers_.find(task);
  return it == writers_.end() ? nullptr : it->second.producer.get();
}

bool SystemsHub::SharesWriter(const std::string& system, const std::string& task) const {
  auto it = writers_.find(task);
  if (it == writers_.end()) return false;
  if (system == it->second.system) return true;
  auto a = configs_.find(system);
  auto b = configs_.find(it->second.system);
  if (a == configs_.end() || b == configs_.end()) return false;
  auto kind = [](const SystemConfig& c) {
    std::string f = c.Get("factory");
    return f.empty() ? c.Get("samza.factory") : f;
  };
  return kind(a->second) == "eddy" && kind(a->second) == kind(b->second) &&
         a->second.Get("bootstrap.servers") == b->second.Get("bootstrap.servers");
}

absl::StatusOr<SystemProducer*> SystemsHub::ProducerFor(const std::string& system,
                                                        const std::string& task) {
  if (SharesWriter(system, task)) return writers_.find(task)->second.producer.get();
  return Producer(system);
}

}  // namespace eddy::runtime
