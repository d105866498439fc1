// WebDriver: a small client of the W3C WebDriver protocol (HTTP/JSON) for the dashboard's
// browser test. Start() runs chromedriver (port chosen by itself: --port=0, read back from its
// output) and opens a session of headless Chromium with its own profile in `dir`; the
// destructor closes the session and stops chromedriver. Each call returns the protocol's
// "value" or an error naming the command and what the driver said.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace eddy::test {

// The chromium and chromedriver binaries ($EDDY_CHROMIUM / $EDDY_CHROMEDRIVER, else found on
// PATH and in /usr/bin), or "" when one is missing.
std::string FindChromium();
std::string FindChromedriver();

class WebDriver {
 public:
  static absl::StatusOr<std::unique_ptr<WebDriver>> Start(const std::string& chromedriver,
                                                          const std::string& chromium,
                                                          const std::string& dir);
  ~WebDriver();

  absl::Status Navigate(const std::string& url);
  absl::StatusOr<std::string> CurrentUrl();
  // The id of the first element matching `css` (NotFound when none).
  absl::StatusOr<std::string> Find(const std::string& css);
  absl::Status Click(const std::string& element);
  absl::Status Type(const std::string& element, const std::string& text);
  absl::StatusOr<std::string> Text(const std::string& element);
  // Runs `script` (a function body; `arguments` are `args`) in the page; its return value.
  absl::StatusOr<nlohmann::json> Script(const std::string& script,
                                        nlohmann::json args = nlohmann::json::array());
  // A PNG of the window.
  absl::StatusOr<std::string> Screenshot();

 private:
  WebDriver() = default;
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body = nlohmann::json::object());
  pid_t pid_ = -1;
  int port_ = 0;
  std::string session_;
};

}  // namespace eddy::test
