#pragma once
// A bare HTTP client for the dashboard's tests: it sends the request line exactly as given
// (no client library normalises a path such as "/../study.db" away), over loopback, and
// reads the reply until the server closes the connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <string>

namespace tune::testing {

struct HttpReply {
  int status = 0;  // 0: no connection or no reply
  std::string headers, body;

  // A header's value ("" when absent); the name is matched without regard to case.
  std::string header(const std::string& name) const {
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    const std::string text = lower(headers), key = "\r\n" + lower(name) + ":";
    size_t at = text.find(key);
    if (at == std::string::npos) return "";
    size_t begin = headers.find_first_not_of(' ', at + key.size());
    return headers.substr(begin, headers.find("\r\n", begin) - begin);
  }
};

// A TCP connection to 127.0.0.1:port (-1 when refused), reads timing out after 10 s.
inline int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` whole.
inline bool send_all(int fd, const std::string& request) {
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Parses "HTTP/1.1 200 OK\r\nheaders\r\n\r\nbody".
inline HttpReply parse_reply(const std::string& text) {
  HttpReply reply;
  size_t space = text.find(' '), end = text.find("\r\n\r\n");
  if (text.rfind("HTTP/", 0) != 0 || space == std::string::npos || end == std::string::npos)
    return reply;
  reply.status = std::atoi(text.c_str() + space + 1);
  reply.headers = text.substr(0, end + 2);
  reply.body = text.substr(end + 4);
  return reply;
}

// `method target` over HTTP/1.0 (the server closes the connection after replying).
inline HttpReply http_request(int port, const std::string& method, const std::string& target,
                              const std::string& host = "127.0.0.1") {
  int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::string text;
  if (send_all(fd, method + " " + target + " HTTP/1.0\r\nHost: " + host +
                       "\r\nConnection: close\r\n\r\n")) {
    char buffer[65536];
    for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;)
      text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return parse_reply(text);
}

inline HttpReply http_get(int port, const std::string& target) {
  return http_request(port, "GET", target);
}

}  // namespace tune::testing
