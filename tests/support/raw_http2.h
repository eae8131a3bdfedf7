#ifndef CLIENTBOOK_TESTS_SUPPORT_RAW_HTTP2_H_
#define CLIENTBOOK_TESTS_SUPPORT_RAW_HTTP2_H_

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/loopback.h"

namespace clientbook::testing {

// An HTTP/2 connection spoken by hand, as a client that reads its socket
// (as gRPC's transport does) but opens its streams with a flow-control
// window of 0 and never widens it: a consumer that stopped reading its
// answers. Each call's headers and trailers reach it; no answer's bytes do.
class StalledReader {
 public:
  explicit StalledReader(int port) : fd_(ConnectToLoopback(port)) {
    if (fd_ < 0) return;
    std::string start = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const char initial_window_zero[] = {0, 4, 0,
                                        0, 0, 0};  // SETTINGS_INITIAL_WINDOW_SIZE
    start += Frame(kSettings, 0, 0, std::string(initial_window_zero, 6));
    start += Frame(kSettings, kAck, 0, "");  // the server's settings, taken as sent
    ok_ = Send(start);
    reader_ = std::thread([fd = fd_] {
      char buffer[65536];
      while (recv(fd, buffer, sizeof buffer, 0) > 0) {
      }
    });
  }
  ~StalledReader() {
    if (fd_ < 0) return;
    shutdown(fd_, SHUT_RDWR);
    reader_.join();
    close(fd_);
  }
  StalledReader(const StalledReader&) = delete;
  StalledReader& operator=(const StalledReader&) = delete;

  // Sends `count` calls of `method` ("/pkg.Service/Method") with `request`
  // as the bytes of each one's message and `metadata`; false if the
  // connection failed.
  bool Call(const std::string& method, const std::string& request,
            const std::vector<std::pair<std::string, std::string>>& metadata, int count) {
    std::string headers = Literal(":method", "POST") + Literal(":scheme", "http") +
                          Literal(":path", method) + Literal(":authority", "127.0.0.1") +
                          Literal("content-type", "application/grpc") +
                          Literal("te", "trailers");
    for (const auto& [name, value] : metadata) headers += Literal(name, value);
    std::string message(1, '\0');  // not compressed
    for (int shift = 24; shift >= 0; shift -= 8) {
      message += static_cast<char>((request.size() >> shift) & 0xff);
    }
    message += request;
    std::string calls;
    for (int i = 0; i < count; ++i, next_stream_ += 2) {
      calls += Frame(kHeaders, kEndHeaders, next_stream_, headers);
      calls += Frame(kData, kEndStream, next_stream_, message);
    }
    return ok_ && Send(calls);
  }

 private:
  static constexpr uint8_t kData = 0, kHeaders = 1, kSettings = 4;
  static constexpr uint8_t kAck = 1, kEndStream = 1, kEndHeaders = 4;

  static std::string Frame(uint8_t type, uint8_t flags, uint32_t stream,
                           const std::string& payload) {
    std::string frame;
    for (int shift = 16; shift >= 0; shift -= 8) {
      frame += static_cast<char>((payload.size() >> shift) & 0xff);
    }
    frame += static_cast<char>(type);
    frame += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) {
      frame += static_cast<char>((stream >> shift) & 0xff);
    }
    return frame + payload;
  }
  // HPACK (RFC 7541 6.2.2): a literal field not indexed, its name new,
  // neither Huffman-coded.
  static std::string Literal(const std::string& name, const std::string& value) {
    return std::string(1, '\0') + Length(name.size()) + name + Length(value.size()) +
           value;
  }
  static std::string Length(size_t n) {  // an integer of a 7-bit prefix
    if (n < 127) return std::string(1, static_cast<char>(n));
    std::string out(1, '\x7f');
    for (n -= 127; n >= 128; n >>= 7) out += static_cast<char>((n & 127) | 128);
    return out + static_cast<char>(n);
  }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  const int fd_;
  bool ok_ = false;
  uint32_t next_stream_ = 1;
  std::thread reader_;
};

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_RAW_HTTP2_H_
