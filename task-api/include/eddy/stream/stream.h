// The high-level stream API in one include: StreamApplication and its descriptor (app.h),
// MessageStream / OutputStream / Table (message_stream.h), windows (windows.h), KV and
// WindowPane (kv.h), stream and table descriptors (descriptors.h). See task-api/STREAM_API.md.
#pragma once

#include "eddy/stream/app.h"
#include "eddy/stream/descriptors.h"
#include "eddy/stream/kv.h"
#include "eddy/stream/message_stream.h"
#include "eddy/stream/windows.h"
