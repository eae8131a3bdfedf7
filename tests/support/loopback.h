#ifndef CLIENTBOOK_TESTS_SUPPORT_LOOPBACK_H_
#define CLIENTBOOK_TESTS_SUPPORT_LOOPBACK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace clientbook::testing {

// A TCP connection to 127.0.0.1:`port`, as a raw socket the caller speaks
// (or stays silent) on and closes; -1 when refused.
inline int ConnectToLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A plain HTTP/1.0 GET of http://127.0.0.1:`port``path` (a metrics page):
// the whole response, headers included; "" when refused.
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ConnectToLoopback(port);
  if (fd < 0) return "";
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: localhost\r\n\r\n");
  std::string response;
  if (write(fd, request.data(), request.size()) ==
      static_cast<ssize_t>(request.size())) {
    char buffer[65536];
    for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  }
  close(fd);
  return response;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_LOOPBACK_H_
