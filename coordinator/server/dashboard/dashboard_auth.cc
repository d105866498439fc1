#include "coordinator/server/dashboard/dashboard_auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "coordinator/common/auth.h"

namespace eddy::dashboard {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.pop_back();
  }
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

void NoStore(http::Response* r) {
  r->headers.emplace_back("Cache-Control", "no-store");
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace

std::string CookieValue(const std::string& header, const std::string& name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    std::string p = Trim(std::string(part));
    if (p.size() > name.size() && absl::StartsWith(p, name) && p[name.size()] == '=') {
      return p.substr(name.size() + 1);
    }
  }
  return "";
}

std::string FormValue(const std::string& body, const std::string& name) {
  for (absl::string_view part : absl::StrSplit(body, '&')) {
    std::string_view p(part.data(), part.size());
    auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    if (UrlDecode(p.substr(0, eq)) == name) return UrlDecode(p.substr(eq + 1));
  }
  return "";
}

bool DashboardAuth::Allowed(const http::Request& r) const {
  if (token_.empty()) return true;
  std::string auth = r.Header("Authorization");
  if (absl::StartsWith(auth, "Bearer ") &&
      cluster::TokenEquals(std::string_view(auth).substr(7), token_)) {
    return true;
  }
  std::string cookie = CookieValue(r.Header("Cookie"), kTokenCookie);
  return !cookie.empty() && cluster::TokenEquals(cookie, token_);
}

http::Response DashboardAuth::Login(const http::Request& r, const std::string& page) const {
  std::string given = r.Query("token");
  if (given.empty()) given = FormValue(r.body, "token");
  given = Trim(given);  // a token pasted from the file keeps its newline
  std::string next = r.Query("next");
  if (next.empty()) next = FormValue(r.body, "next");
  // Only a path of this site: "//evil" or "http://..." would send the browser elsewhere.
  bool local =
      !next.empty() && next[0] == '/' && !(next.size() > 1 && (next[1] == '/' || next[1] == '\\'));
  for (char c : next) local = local && c > 0x20 && c < 0x7f;  // no header injection either
  if (!local) next = "/";
  if (token_.empty() || cluster::TokenEquals(given, token_)) {
    http::Response ok;
    ok.status = 303;
    ok.headers.emplace_back("Location", next);
    ok.headers.emplace_back("Set-Cookie", absl::StrCat(kTokenCookie, "=", token_,
                                                       "; Path=/; HttpOnly; SameSite=Strict"));
    NoStore(&ok);
    return ok;
  }
  // The message is fixed text: nothing the client sent is echoed into the page.
  http::Response refused;
  refused.status = 401;
  refused.content_type = "text/html; charset=utf-8";
  refused.body = absl::StrReplaceAll(
      page,
      {{"<!--MESSAGE-->",
        given.empty() ? "<p id=\"login-error\" class=\"error\">No token given: paste the "
                        "coordinator's token.</p>"
                      : "<p id=\"login-error\" class=\"error\">Wrong token: access refused.</p>"}});
  NoStore(&refused);
  return refused;
}

http::Response DashboardAuth::Logout() {
  http::Response r;
  r.status = 303;
  r.headers.emplace_back("Location", "/login");
  r.headers.emplace_back("Set-Cookie", absl::StrCat(kTokenCookie,
                                                    "=; Path=/; HttpOnly; SameSite=Strict; "
                                                    "Max-Age=0"));
  NoStore(&r);
  return r;
}

http::Response DashboardAuth::Refuse(const http::Request& r) {
  http::Response out;
  if (absl::StartsWith(r.path, "/api/")) {
    out = http::Response::Json(
        401,
        R"({"error":"unauthorized: send Authorization: Bearer <token> (the coordinator's token file) or log in at /login"})");
    out.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"eddy\"");
  } else {
    out.status = 401;
    out.content_type = "text/html; charset=utf-8";
    out.body =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Eddy: log in</title>"
        "<meta http-equiv=\"refresh\" content=\"0; url=/login\"></head><body>"
        "<p id=\"unauthorized\">401: this page needs the coordinator's token. "
        "<a href=\"/login\">Log in</a>.</p></body></html>";
  }
  NoStore(&out);
  return out;
}

}  // namespace eddy::dashboard
