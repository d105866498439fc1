// HttpServer: the one HTTP endpoint of an Eddy daemon. Every daemon (eddy-logd, eddy-coordinator,
// eddy-node, eddy-container) serves its Prometheus `/metrics` through it; the coordinator also
// serves the web dashboard and its JSON API. Built on cpp-httplib (Debian's libcpp-httplib-dev).
//
// Use: construct, add routes with Handle()/HandlePrefix(), then Start(); routes cannot be added
// after Start(). Handlers run on the server's worker threads (at most
// HttpServerOptions::worker_threads at once), so they must be thread-safe. Stop() (or the
// destructor) stops accepting, lets running handlers finish and joins every thread.
//
// Limits: a request body over max_body_bytes is refused with 413; a connection idle for
// read_timeout_ms is closed; a handler that throws answers 500 (the exception never leaves the
// server). Unknown paths answer 404, a known path with another method 405.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::http {

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // without the query string
  std::multimap<std::string, std::string> query;  // decoded ?a=b&c=d
  std::multimap<std::string, std::string> headers;  // names as sent (look up case-insensitively
                                                   // with Header())
  std::string body;
  std::string remote_address;                 // the client's IP

  // The first value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  // The first value of query parameter `name`, or `fallback`.
  std::string Query(std::string_view name, std::string_view fallback = "") const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);  // application/json
};

using Handler = std::function<Response(const Request&)>;

struct HttpServerOptions {
  int worker_threads = 8;                   // requests served at once
  size_t max_body_bytes = 1 << 20;          // larger request bodies get 413
  int read_timeout_ms = 5000;               // idle/slow connections are closed after this
  int write_timeout_ms = 5000;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `method` requests whose path is exactly `path`.
  void Handle(std::string method, std::string path, Handler handler);
  // Serves `method` requests whose path starts with `prefix` (longest prefix wins; exact routes
  // win over prefixes).
  void HandlePrefix(std::string method, std::string prefix, Handler handler);

  // Binds HOST:PORT (port 0 = any free port) and serves on a background thread. Returns the
  // bound "HOST:PORT". Fails (InvalidArgument) on a malformed address, (Unavailable) when the
  // address cannot be bound, (FailedPrecondition) when already started.
  absl::StatusOr<std::string> Start(std::string_view host_port);
  // Stops serving and joins the threads; idempotent.
  void Stop();

  // "HOST:PORT" once started, else "".
  const std::string& address() const { return address_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string address_;
};

// Splits "HOST:PORT" (port 0..65535; HOST may be empty for all interfaces). Errors name the text.
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view host_port);

}  // namespace eddy::http
