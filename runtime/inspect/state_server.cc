#include "runtime/inspect/state_server.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "log-store/rpc/grpc_status.h"
#include "runtime/proto/container_state.grpc.pb.h"

namespace eddy::runtime {
namespace {

std::string Display(const SerdeBase* serde, std::string_view bytes) {
  if (serde) {
    auto v = serde->DeserializeErased(bytes);
    if (v.ok()) {
      if (auto* s = v->As<std::string>()) return *s;
      if (auto* i = v->As<int64_t>()) return std::to_string(*i);
      if (auto* i = v->As<int32_t>()) return std::to_string(*i);
      if (auto* d = v->As<double>()) return std::to_string(*d);
    }
  }
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char b[5];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out;
}

absl::StatusOr<std::string> Encode(const StoreHandle& h, const std::string& text) {
  if (!h.key_serde) return text;
  std::string out;
  const auto& t = h.key_serde->value_type();
  absl::Status s;
  if (t == typeid(std::string)) {
    s = h.key_serde->SerializeErased(ErasedValue::Of(text), &out);
  } else if (t == typeid(int64_t) || t == typeid(int32_t)) {
    int64_t v;
    if (!absl::SimpleAtoi(text, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("key '", text, "' is not a number (key serde ",
                                                     h.key_serde_name, ")"));
    }
    s = t == typeid(int64_t) ? h.key_serde->SerializeErased(ErasedValue::Of(v), &out)
                             : h.key_serde->SerializeErased(
                                   ErasedValue::Of(static_cast<int32_t>(v)), &out);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("key serde ", h.key_serde_name,
                                                   " cannot be typed on the command line; use a "
                                                   "raw key"));
  }
  if (!s.ok()) return s;
  return out;
}

using logstore::rpc::ToGrpc;

}  // namespace

class StateServer::Impl final : public v1::ContainerState::Service {
 public:
  std::string token, addr_file;
  std::string host;  // listened on and written to addr_file
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  std::chrono::milliseconds loop_timeout{30000};

  std::mutex mu;
  std::condition_variable cv;  // a call's state changed
  // One request handed to the run loop. `f` writes into the gRPC handler's request and
  // response, which live only until the handler returns: the run loop runs `f` only while the
  // handler still waits (kQueued → kRunning → kDone), and a handler that gives up takes its
  // call back first (kQueued → kCancelled), or, if `f` is already running, waits for it.
  struct Call {
    enum State { kQueued, kRunning, kDone, kCancelled } state = kQueued;
    grpc::Status result;
  };
  struct Item {
    std::function<grpc::Status()> f;
    std::shared_ptr<Call> call;
  };
  std::deque<Item> queue;
  bool started = false, stopping = false;
  std::vector<InspectTask> tasks;
  std::vector<std::string> stores;
  MetricsRegistry* metrics = nullptr;

  grpc::Status Auth(grpc::ServerContext* ctx) {
    if (token.empty()) return grpc::Status::OK;
    auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != "Bearer " + token) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong token");
    }
    return grpc::Status::OK;
  }

  // Runs `f` on the run loop thread and waits for it (at most loop_timeout while it is queued).
  grpc::Status OnLoop(std::function<grpc::Status()> f) {
    auto call = std::make_shared<Call>();
    std::unique_lock<std::mutex> l(mu);
    if (stopping) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "container is stopping");
    if (!started) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "container is still restoring its tasks");
    }
    queue.push_back({std::move(f), call});
    auto done = [&] { return call->state == Call::kDone; };
    if (!cv.wait_for(l, loop_timeout, done)) {
      if (call->state == Call::kQueued) {
        call->state = Call::kCancelled;  // the run loop skips it: it never touches *out
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                            absl::StrCat("the container's run loop did not answer within ",
                                         loop_timeout.count(), " ms"));
      }
      cv.wait(l, done);  // `f` is running on the run loop; it finishes before we return
    }
    return call->result;
  }

  // Runs what is queued and not cancelled; on the run loop thread.
  void RunQueued() {
    std::deque<Item> work;
    {
      std::lock_guard<std::mutex> l(mu);
      work.swap(queue);
    }
    for (auto& it : work) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (it.call->state != Call::kQueued) continue;
        it.call->state = Call::kRunning;
      }
      grpc::Status result = it.f();
      {
        std::lock_guard<std::mutex> l(mu);
        it.call->result = std::move(result);
        it.call->state = Call::kDone;
      }
      cv.notify_all();
    }
  }

  grpc::Status Get(grpc::ServerContext* ctx, const v1::StateGetRequest* r,
                   v1::StateGetResponse* out) override {
    if (auto a = Auth(ctx); !a.ok()) return a;
    return OnLoop([&]() -> grpc::Status {
      bool any_task = false;
      for (auto& t : tasks) {
        if (!r->task().empty() && r->task() != t.name) continue;
        any_task = true;
        auto h = t.store(r->store());
        if (!h.ok()) return ToGrpc(h.status());
        std::string key = r->key();
        if (!r->raw_key()) {
          auto k = Encode(*h, r->key());
          if (!k.ok()) return ToGrpc(k.status());
          key = *k;
        }
        auto v = h->store->Get(key);
        if (!v.ok()) return ToGrpc(v.status());
        if (!v->has_value()) continue;
        auto* e = out->add_entries();
        e->set_task(t.name);
        e->set_key(key);
        e->set_value(**v);
        e->set_key_text(Display(h->key_serde, key));
        e->set_value_text(Display(h->msg_serde, **v));
      }
      if (!any_task) {
        return grpc::Status(grpc::StatusCode::NOT_FOUND,
                            "task '" + r->task() + "' is not in this container");
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status Scan(grpc::ServerContext* ctx, const v1::StateScanRequest* r,
                    v1::StateScanResponse* out) override {
    if (auto a = Auth(ctx); !a.ok()) return a;
    int limit = r->limit() > 0 ? r->limit() : 100;
    return OnLoop([&]() -> grpc::Status {
      for (auto& t : tasks) {
        if (!r->task().empty() && r->task() != t.name) continue;
        auto h = t.store(r->store());
        if (!h.ok()) return ToGrpc(h.status());
        std::string prefix = r->prefix();
        if (!prefix.empty() && h->key_serde && h->key_serde->value_type() == typeid(std::string)) {
          auto k = Encode(*h, prefix);
          if (k.ok()) prefix = *k;
        }
        auto it = prefix.empty() ? h->store->All() : h->store->PrefixScan(prefix);
        if (!it.ok()) return ToGrpc(it.status());
        for (; (*it)->Valid(); (*it)->Next()) {
          if (out->entries_size() >= limit) {
            out->set_truncated(true);
            break;
          }
          auto* e = out->add_entries();
          e->set_task(t.name);
          e->set_key(std::string((*it)->key()));
          e->set_value(std::string((*it)->value()));
          e->set_key_text(Display(h->key_serde, (*it)->key()));
          e->set_value_text(Display(h->msg_serde, (*it)->value()));
        }
        (*it)->Close();
        if (out->truncated()) break;
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status Stats(grpc::ServerContext* ctx, const v1::StateStatsRequest* r,
                     v1::StateStatsResponse* out) override {
    if (auto a = Auth(ctx); !a.ok()) return a;
    return OnLoop([&]() -> grpc::Status {
      for (auto& t : tasks) {
        out->add_tasks(t.name);
        for (const auto& s : stores) {
          if (!r->store().empty() && r->store() != s) continue;
          auto h = t.store(s);
          if (!h.ok()) continue;
          auto it = h->store->All();
          if (!it.ok()) return ToGrpc(it.status());
          int64_t keys = 0, bytes = 0;
          for (; (*it)->Valid(); (*it)->Next()) {
            ++keys;
            bytes += (*it)->key().size() + (*it)->value().size();
          }
          (*it)->Close();
          auto* st = out->add_stores();
          st->set_task(t.name);
          st->set_store(s);
          st->set_keys(keys);
          st->set_bytes(bytes);
        }
      }
      if (metrics) out->set_metrics_json(metrics->SnapshotJson());
      return grpc::Status::OK;
    });
  }
};

StateServer::StateServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<StateServer>> StateServer::Start(std::string token,
                                                                std::string addr_file,
                                                                std::string host) {
  auto impl = std::make_unique<Impl>();
  impl->token = std::move(token);
  impl->addr_file = std::move(addr_file);
  impl->host = host.empty() ? "127.0.0.1" : std::move(host);
  grpc::ServerBuilder b;
  b.AddListeningPort(impl->host + ":0", grpc::InsecureServerCredentials(), &impl->port);
  b.RegisterService(impl.get());
  b.SetMaxSendMessageSize(256 << 20);
  impl->server = b.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return absl::UnavailableError("state service: cannot listen on " + impl->host +
                                  " (the node's --host)");
  }
  return std::unique_ptr<StateServer>(new StateServer(std::move(impl)));
}

StateServer::~StateServer() {
  {
    // The container may be gone (it failed): cancel, never touch its stores here.
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stopping = true;
    for (auto& it : impl_->queue) {
      if (it.call->state != Impl::Call::kQueued) continue;
      it.call->result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "container stopped");
      it.call->state = Impl::Call::kDone;
    }
    impl_->queue.clear();
  }
  impl_->cv.notify_all();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

int StateServer::port() const { return impl_->port; }

void StateServer::set_loop_timeout(std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->loop_timeout = timeout;
}

void StateServer::OnStarted(std::vector<InspectTask> tasks, std::vector<std::string> stores,
                            MetricsRegistry* metrics) {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->tasks = std::move(tasks);
    impl_->stores = std::move(stores);
    impl_->metrics = metrics;
    impl_->started = true;
  }
  if (!impl_->addr_file.empty()) {
    std::string tmp = impl_->addr_file + ".tmp";
    std::ofstream(tmp) << impl_->host << ":" << impl_->port << "\n";
    std::error_code ec;
    std::filesystem::rename(tmp, impl_->addr_file, ec);
  }
}

void StateServer::OnLoop() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->queue.empty()) return;
  }
  impl_->RunQueued();
}

void StateServer::OnStopping() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stopping = true;
  }
  // Called by the run loop while the stores are still open: answer what is queued.
  impl_->RunQueued();
  if (!impl_->addr_file.empty()) {
    std::error_code ec;
    std::filesystem::remove(impl_->addr_file, ec);
  }
}

}  // namespace eddy::runtime
