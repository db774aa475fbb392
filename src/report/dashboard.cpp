#include "report/dashboard.h"

#include <arpa/inet.h>

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "report/report_data.h"
#include "report/report_page.h"

namespace tune {
namespace {

constexpr int kMinPollMs = 100;
constexpr const char* kText = "text/plain; charset=utf-8";

std::string address(const std::string& host, int port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void check(const DashboardOptions& options, const std::string& command) {
  if (options.port < 0 || options.port > 65535)
    throw ConfigError(command + " --port", std::to_string(options.port) +
                                               " is out of range; allowed: 0 (any free port) "
                                               "to 65535");
  if (options.poll_ms < kMinPollMs)
    throw ConfigError(command + " --poll-ms",
                      std::to_string(options.poll_ms) +
                          " is too short; allowed: " + std::to_string(kMinPollMs) + " or more");
}

// The error number binding host:port gives, tried with a socket of our own: httplib says only
// that binding failed. -1 when the host does not resolve.
int bind_errno(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return -1;
  int error = 0;
  int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) {
    error = errno;
  } else {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) error = errno;
    close(fd);
  }
  freeaddrinfo(found);
  return error;
}

ConfigError bind_error(const std::string& command, const std::string& host, int port) {
  int error = bind_errno(host, port);
  if (error == -1) return ConfigError(command + " --host", "cannot resolve \"" + host + "\"");
  if (error == EADDRINUSE)
    return ConfigError(command + " --port", address(host, port) + " is in use");
  if (error == EACCES)
    return ConfigError(command + " --port", address(host, port) +
                                                ": permission denied (ports below 1024 need "
                                                "privileges); try --port 0 for any free one");
  return ConfigError(command + " --host", "cannot listen on " + address(host, port) +
                                              (error ? std::string(": ") + strerror(error) : ""));
}

// SO_REUSEADDR only: a restarted dashboard may take its port back from connections still in
// TIME_WAIT, but a port another program listens on is in use. (httplib's default,
// SO_REUSEPORT, would let two dashboards share a port and split the requests between them.)
void reuse_address_only(int fd) {
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// "localhost", an IPv4 address in 127.0.0.0/8 or the IPv6 loopback (bracketed or not).
bool is_loopback_name(const std::string& host) {
  if (host == "localhost") return true;
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  const std::string bare = bracketed ? host.substr(1, host.size() - 2) : host;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, bare.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, bare.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The host part of a Host header: "name", "name:port", "[v6]" or "[v6]:port".
std::string host_of(const std::string& header) {
  if (!header.empty() && header[0] == '[') return header.substr(0, header.find(']') + 1);
  return header.substr(0, header.find(':'));
}

}  // namespace

struct Dashboard::Impl {
  Impl(Storage& storage, const std::string& dir) : report(storage, dir) {}

  void route(const std::string& page);
  Json read_study();

  std::mutex report_mutex;  // StudyReport is not thread-safe; requests come on a pool
  StudyReport report;
  httplib::Server server;
  std::string host;
  int port = 0;

  std::mutex stop_mutex;
  std::condition_variable stop_changed;
  bool stop_requested = false;
  bool listener_ended = false;
};

Json Dashboard::Impl::read_study() {
  std::lock_guard<std::mutex> lock(report_mutex);
  report.refresh();
  return report.data();
}

void Dashboard::Impl::route(const std::string& page) {
  // Bound to loopback, the dashboard answers only requests addressed to a loopback name: a web
  // page elsewhere cannot read the study by pointing a name of its own at 127.0.0.1 (DNS
  // rebinding), because the browser then sends that name as the Host.
  const bool loopback_only = is_loopback_name(host);
  server.set_pre_routing_handler([loopback_only](const httplib::Request& req,
                                                 httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.set_header("Allow", "GET, HEAD");
      res.set_content("tune dashboard: only GET and HEAD\n", kText);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (loopback_only && !is_loopback_name(host_of(req.get_header_value("Host")))) {
      res.status = 403;
      res.set_content("tune dashboard: it serves only requests to localhost or 127.0.0.1\n", kText);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get("/", [page](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(page, "text/html; charset=utf-8");
  });
  server.Get("/api/study", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    try {
      // Trial errors carry program output, which need not be UTF-8.
      res.set_content(read_study().dump(-1, ' ', false, Json::error_handler_t::replace),
                      "application/json");
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("tune dashboard: cannot read the study: ") + e.what() + "\n",
                      kText);
    }
  });
  // Browsers ask for an icon whatever the page says; "no content" keeps their console clean.
  server.Get("/favicon.ico",
             [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("tune dashboard: not found; it serves / and /api/study\n", kText);
  });
}

Dashboard::Dashboard(Storage& storage, const std::string& dir, const DashboardOptions& options,
                     const std::string& command)
    : impl_(std::make_unique<Impl>(storage, dir)) {
  check(options, command);
  std::signal(SIGPIPE, SIG_IGN);
  impl_->host = options.host;
  impl_->route(dashboard_html(dir, options.poll_ms));
  impl_->server.set_socket_options(reuse_address_only);
  // httplib waits out an idle kept-alive connection before stop() returns; the page polls
  // every couple of seconds, so holding one longer than that gains nothing and slows Ctrl-C.
  impl_->server.set_keep_alive_timeout(1);
  if (options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(options.host);
  } else {
    impl_->port = impl_->server.bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (impl_->port < 0) throw bind_error(command, options.host, options.port);
}

Dashboard::~Dashboard() = default;

int Dashboard::port() const {
  return impl_->port;
}

std::string Dashboard::url() const {
  return "http://" + address(impl_->host, impl_->port) + "/";
}

void Dashboard::serve() {
  Impl& d = *impl_;
  std::thread listener([&d] {
    d.server.listen_after_bind();
    std::lock_guard<std::mutex> lock(d.stop_mutex);
    d.listener_ended = true;
    d.stop_changed.notify_all();
  });
  std::unique_lock<std::mutex> lock(d.stop_mutex);
  d.stop_changed.wait(lock, [&d] { return d.stop_requested || d.listener_ended; });
  // httplib's stop() does nothing until its accept loop has started: wait for that, then
  // stop it once (a second stop() while it winds down trips an assertion in httplib).
  while (!d.listener_ended && !d.server.is_running()) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lock.lock();
  }
  const bool requested = d.stop_requested, running = !d.listener_ended;
  lock.unlock();
  if (running) d.server.stop();
  listener.join();
  if (!requested) throw std::runtime_error("the dashboard's server stopped by itself");
}

void Dashboard::stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  impl_->stop_changed.notify_all();
}

}  // namespace tune
