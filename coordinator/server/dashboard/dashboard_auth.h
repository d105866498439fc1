// DashboardAuth: who may see the dashboard. The coordinator's token (the one `eddy` and the
// nodes send over gRPC) is the only credential: a browser posts it to /login and gets it back
// as an HttpOnly, SameSite=Strict cookie (`eddy_token`, Path=/), so scripts on the page never
// read it and other sites cannot send it; a script or curl sends `Authorization: Bearer TOKEN`
// instead. Both are compared in constant time (cluster::TokenEquals). An empty token (the
// coordinator runs --insecure) lets everyone in. Used by dashboard.cc.
#pragma once

#include <string>

#include "log-store/http/http_server.h"

namespace eddy::dashboard {

inline constexpr char kTokenCookie[] = "eddy_token";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(const std::string& cookie_header, const std::string& name);

// Decodes application/x-www-form-urlencoded field `name` of `body` ("" when absent).
std::string FormValue(const std::string& body, const std::string& name);

class DashboardAuth {
 public:
  explicit DashboardAuth(std::string token) : token_(std::move(token)) {}

  // True when `r` carries the token (cookie or bearer header) or there is no token.
  bool Allowed(const http::Request& r) const;
  bool insecure() const { return token_.empty(); }

  // POST /login with form field `token`: 303 to `next` (a path of this site, else "/") with
  // the cookie set, or 401 with the login page saying the token was wrong. `login_page` is the
  // page's HTML with the marker <!--MESSAGE--> where the message goes.
  http::Response Login(const http::Request& r, const std::string& login_page) const;
  // POST /logout: clears the cookie, 303 to /login.
  static http::Response Logout();
  // The answer to a request without the token: 401 JSON for /api/, else a 401 page that
  // sends the browser to /login.
  static http::Response Refuse(const http::Request& r);

 private:
  std::string token_;
};

}  // namespace eddy::dashboard
