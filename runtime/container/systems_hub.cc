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

absl::Status SystemsHub::FlushAll() {
  for (auto& [name, p] : producers_) {
    if (auto s = p->Flush(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void SystemsHub::StopAll() {
  for (auto& [name, p] : producers_) p->Stop();
}

}  // namespace eddy::runtime
