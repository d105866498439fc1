#include "tests/integration/dashboard/web_driver.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace eddy::test {
namespace fs = std::filesystem;

namespace {
constexpr char kElementKey[] = "element-6066-11e4-a52e-4f735466cecf";

std::string Which(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  std::vector<std::string> dirs = {"/usr/bin", "/usr/lib/chromium"};
  if (path != nullptr) {
    std::stringstream ss(path);
    std::string d;
    while (std::getline(ss, d, ':')) dirs.push_back(d);
  }
  for (const auto& n : names) {
    for (const auto& d : dirs) {
      std::string p = d + "/" + n;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
  }
  return "";
}
}  // namespace

// $EDDY_CHROMIUM / $EDDY_CHROMEDRIVER name the binaries explicitly (a path that is not an
// executable counts as missing, which is how the skip is checked).
std::string FindChromium() {
  if (const char* e = std::getenv("EDDY_CHROMIUM")) return ::access(e, X_OK) == 0 ? e : "";
  return Which({"chromium", "chromium-browser", "google-chrome"});
}
std::string FindChromedriver() {
  if (const char* e = std::getenv("EDDY_CHROMEDRIVER")) return ::access(e, X_OK) == 0 ? e : "";
  return Which({"chromedriver"});
}

absl::StatusOr<std::unique_ptr<WebDriver>> WebDriver::Start(const std::string& chromedriver,
                                                            const std::string& chromium,
                                                            const std::string& dir) {
  std::unique_ptr<WebDriver> d(new WebDriver());
  std::string log = dir + "/chromedriver.log";
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork for chromedriver failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(chromedriver.c_str(), chromedriver.c_str(), "--port=0", static_cast<char*>(nullptr));
    _exit(127);
  }
  d->pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::string marker = "started successfully on port ";
  while (d->port_ == 0) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    auto at = text.find(marker);
    if (at != std::string::npos) d->port_ = std::atoi(text.c_str() + at + marker.size());
    if (d->port_ != 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("chromedriver did not say its port: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  nlohmann::json caps = {
      {"capabilities",
       {{"alwaysMatch",
         {{"browserName", "chrome"},
          {"goog:chromeOptions",
           {{"binary", chromium},
            {"args",
             {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--window-size=1400,1100",
              "--user-data-dir=" + dir + "/chrome"}}}}}}}}};
  auto s = d->Call("POST", "/session", caps);
  if (!s.ok()) return s.status();
  if (!s->contains("sessionId")) return absl::InternalError("no sessionId in " + s->dump());
  d->session_ = (*s)["sessionId"].get<std::string>();
  return d;
}

WebDriver::~WebDriver() {
  if (!session_.empty()) (void)Call("DELETE", "/session/" + session_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

absl::StatusOr<nlohmann::json> WebDriver::Call(const std::string& method, const std::string& path,
                                               const nlohmann::json& body) {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(10);
  c.set_read_timeout(120);
  httplib::Result r = method == "GET"      ? c.Get(path)
                      : method == "DELETE" ? c.Delete(path)
                                           : c.Post(path, body.dump(), "application/json");
  if (!r) {
    return absl::UnavailableError(
        absl::StrCat("webdriver ", method, " ", path, ": ", httplib::to_string(r.error())));
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InternalError(absl::StrCat("webdriver ", path, ": not JSON: ", r->body));
  }
  if (r->status != 200) {
    return absl::InternalError(absl::StrCat("webdriver ", method, " ", path, ": HTTP ", r->status,
                                            ": ", j.dump().substr(0, 600)));
  }
  return j.value("value", nlohmann::json());
}

absl::Status WebDriver::Navigate(const std::string& url) {
  return Call("POST", "/session/" + session_ + "/url", {{"url", url}}).status();
}

absl::StatusOr<std::string> WebDriver::CurrentUrl() {
  auto v = Call("GET", "/session/" + session_ + "/url");
  if (!v.ok()) return v.status();
  return v->is_string() ? v->get<std::string>() : "";
}

absl::StatusOr<std::string> WebDriver::Find(const std::string& css) {
  auto v = Call("POST", "/session/" + session_ + "/element",
                {{"using", "css selector"}, {"value", css}});
  if (!v.ok())
    return absl::NotFoundError(absl::StrCat("element ", css, ": ", v.status().message()));
  if (!v->contains(kElementKey)) return absl::NotFoundError("element " + css);
  return (*v)[kElementKey].get<std::string>();
}

absl::Status WebDriver::Click(const std::string& e) {
  return Call("POST", "/session/" + session_ + "/element/" + e + "/click").status();
}

absl::Status WebDriver::Type(const std::string& e, const std::string& text) {
  return Call("POST", "/session/" + session_ + "/element/" + e + "/value", {{"text", text}})
      .status();
}

absl::StatusOr<std::string> WebDriver::Text(const std::string& e) {
  auto v = Call("GET", "/session/" + session_ + "/element/" + e + "/text");
  if (!v.ok()) return v.status();
  return v->is_string() ? v->get<std::string>() : "";
}

absl::StatusOr<nlohmann::json> WebDriver::Script(const std::string& script, nlohmann::json args) {
  return Call("POST", "/session/" + session_ + "/execute/sync",
              {{"script", script}, {"args", std::move(args)}});
}

absl::StatusOr<std::string> WebDriver::Screenshot() {
  auto v = Call("GET", "/session/" + session_ + "/screenshot");
  if (!v.ok()) return v.status();
  std::string png;
  if (!v->is_string() || !absl::Base64Unescape(v->get<std::string>(), &png)) {
    return absl::InternalError("screenshot is not base64");
  }
  return png;
}

}  // namespace eddy::test
