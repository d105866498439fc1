#include "log-store/http/http_server.h"

#include <httplib.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::http {

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

std::string Request::Query(std::string_view name, std::string_view fallback) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string(fallback) : it->second;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

absl::StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view host_port_view) {
  const std::string host_port(host_port_view);
  auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", host_port, "\" is not HOST:PORT"));
  }
  int port = 0;
  if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", host_port, "\": port must be 0..65535"));
  }
  return std::make_pair(std::string(host_port.substr(0, colon)), port);
}

struct HttpServer::Impl {
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
  };
  HttpServerOptions options;
  std::vector<Route> routes;
  httplib::Server server;
  std::thread thread;
  bool started = false;

  // The route for (method, path): exact first, then the longest prefix. `path_known` says
  // whether some route matches the path with another method (405 rather than 404).
  const Route* Find(const std::string& method, const std::string& path, bool* path_known) const {
    const Route* best = nullptr;
    *path_known = false;
    for (const auto& r : routes) {
      bool match = r.prefix ? path.compare(0, r.path.size(), r.path) == 0 : path == r.path;
      if (!match) continue;
      *path_known = true;
      if (r.method != method) continue;
      if (!r.prefix) return &r;
      if (best == nullptr || r.path.size() > best->path.size()) best = &r;
    }
    return best;
  }

  void Serve(const httplib::Request& in, httplib::Response& out) {
    bool path_known = false;
    const Route* route = Find(in.method, in.path, &path_known);
    Response r;
    if (route == nullptr) {
      r = path_known ? Response::Text(405, absl::StrCat(in.method, " not allowed on ", in.path, "\n"))
                     : Response::Text(404, absl::StrCat("no such path: ", in.path, "\n"));
    } else {
      Request req;
      req.method = in.method;
      req.path = in.path;
      for (const auto& [k, v] : in.params) req.query.emplace(k, v);
      for (const auto& [k, v] : in.headers) req.headers.emplace(k, v);
      req.body = in.body;
      req.remote_address = in.remote_addr;
      try {
        r = route->handler(req);
      } catch (const std::exception& e) {
        r = Response::Text(500, absl::StrCat("internal error serving ", in.path, ": ", e.what(), "\n"));
      } catch (...) {
        r = Response::Text(500, absl::StrCat("internal error serving ", in.path, "\n"));
      }
    }
    out.status = r.status;
    for (const auto& [k, v] : r.headers) out.set_header(k, v);
    out.set_content(std::move(r.body), r.content_type);
  }
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string method, std::string path, Handler handler) {
  impl_->routes.push_back({std::move(method), std::move(path), false, std::move(handler)});
}

void HttpServer::HandlePrefix(std::string method, std::string prefix, Handler handler) {
  impl_->routes.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
}

absl::StatusOr<std::string> HttpServer::Start(std::string_view host_port) {
  if (impl_->started) return absl::FailedPreconditionError("HTTP server already started");
  auto hp = ParseHostPort(host_port);
  if (!hp.ok()) return hp.status();
  const std::string where(host_port);
  auto& s = impl_->server;
  const auto& o = impl_->options;
  int threads = std::max(1, o.worker_threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(o.max_body_bytes);
  s.set_read_timeout(o.read_timeout_ms / 1000, (o.read_timeout_ms % 1000) * 1000);
  s.set_write_timeout(o.write_timeout_ms / 1000, (o.write_timeout_ms % 1000) * 1000);
  s.set_keep_alive_timeout(std::max(1, o.read_timeout_ms / 1000));
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second daemon
  // bind the same port and steal half of its requests.
  s.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  Impl* impl = impl_.get();
  auto serve = [impl](const httplib::Request& in, httplib::Response& out) { impl->Serve(in, out); };
  for (const char* m : {"GET", "POST", "PUT", "DELETE"}) {
    std::string method = m;
    if (method == "GET") s.Get(".*", serve);
    if (method == "POST") s.Post(".*", serve);
    if (method == "PUT") s.Put(".*", serve);
    if (method == "DELETE") s.Delete(".*", serve);
  }
  std::string host = hp->first.empty() ? "0.0.0.0" : hp->first;
  int port = hp->second;
  if (port == 0) {
    port = s.bind_to_any_port(host);
    if (port <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot bind HTTP address ", where));
    }
  } else if (!s.bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind HTTP address ", where));
  }
  impl_->started = true;
  impl_->thread = std::thread([impl] { impl->server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost (httplib only stops a running server), so
  // Start returns once it runs.
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  address_ = absl::StrCat(hp->first.empty() ? "0.0.0.0" : hp->first, ":", port);
  return address_;
}

void HttpServer::Stop() {
  if (!impl_ || !impl_->started) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
}

}  // namespace eddy::http
