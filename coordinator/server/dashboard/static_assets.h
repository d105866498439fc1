// StaticAssets: the dashboard's pages, scripts and style sheet (coordinator/server/dashboard/
// static/), embedded into eddy-coordinator at build time. embed_static.cmake turns every file
// of static/ into a byte array of a generated static_assets_data.cc, so the binary serves them
// with no files next to it and no build step that needs the network. Used by dashboard.cc.
#pragma once

#include <string_view>

namespace eddy::dashboard {

struct StaticAsset {
  std::string_view name;          // file name under static/, e.g. "job.html"
  std::string_view content_type;  // from the extension: text/html, text/css, text/javascript
  std::string_view data;          // the file's bytes
};

// The asset named `name` (a file name under static/, no directories), or nullptr.
const StaticAsset* FindStaticAsset(std::string_view name);

}  // namespace eddy::dashboard
