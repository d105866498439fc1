// RawKafkaClient: a blocking Kafka wire-protocol connection to 127.0.0.1 for tests that need to
// send exact bytes (frames, versions, bad input) and read raw responses. Used by the KafkaServer
// unit tests (tests/kafka/unit) and the eddy-logd restart test (tests/integration/kafka).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {

class RawKafkaClient {
 public:
  // Connects to 127.0.0.1:port; receives time out after recv_timeout_s (then Receive fails).
  explicit RawKafkaClient(int port, int recv_timeout_s = 10) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{recv_timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawKafkaClient() { ::close(fd_); }
  RawKafkaClient(const RawKafkaClient&) = delete;
  RawKafkaClient& operator=(const RawKafkaClient&) = delete;
  bool connected() const { return connected_; }

  bool SendRaw(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Frames header + body and sends it.
  bool Send(int16_t key, int16_t version, int32_t correlation, const std::string& body) {
    Writer w;
    w.Int32(0);
    w.Int16(key);
    w.Int16(version);
    w.Int32(correlation);
    w.String("unit-test");
    if (IsFlexible(key, version)) w.EmptyTaggedFields();
    w.Raw(body);
    w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
    return SendRaw(w.buffer());
  }
  // The next response payload (correlation id first); nullopt when the server closed.
  std::optional<std::string> Receive() {
    char size_buf[4];
    if (!ReadFull(size_buf, 4)) return std::nullopt;
    Reader r(std::string_view(size_buf, 4));
    std::string payload(static_cast<size_t>(r.Int32()), '\0');
    if (!ReadFull(payload.data(), payload.size())) return std::nullopt;
    return payload;
  }

 private:
  bool ReadFull(char* p, size_t n) {
    while (n > 0) {
      ssize_t got = ::recv(fd_, p, n, 0);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace eddy::kafka
