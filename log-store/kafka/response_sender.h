// SendResponse: writes one encoded Kafka response (Writer) to a blocking socket. In-memory
// pieces go out with sendmsg; file references (Writer::BytesFileRef, the stored batches of a
// Fetch) with sendfile(2), so the kernel sends them from the page cache without a copy into
// user space. Used by the Kafka listener's connection loop (kafka_server.cc).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <vector>

#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

// Reusable buffers of one connection.
struct SendScratch {
  std::vector<iovec> iov;
  std::vector<Writer::FilePiece> files;
};

// Sends the whole response; false when the peer is gone or a file piece could not be read
// whole (the frame is then cut short, so the caller must close the connection). *bytes gets
// the response size.
bool SendResponse(int sock, const Writer& w, SendScratch* scratch, size_t* bytes);

}  // namespace eddy::kafka
