#pragma once
// The live dashboard's web server (`tune dashboard`): a study's page and its report document,
// served while the study runs. GET and HEAD only:
//   /           the page (report_page.h: dashboard_html), which polls api/study
//   /api/study  the report document (report_data.h) as JSON; each request reads only what
//               changed since the one before
//   /favicon.ico  no content (browsers ask for it)
// Every other path is 404 and every other method 405: no request path ever names a file.
// Bound to a loopback address, it answers 403 to a request whose Host header is not a loopback
// name (localhost, 127.x, [::1]): the guard against DNS rebinding.
// The storage is only read, in short reads, so the processes writing the study never wait.
// Requests are served on a thread pool; the report is refreshed under a lock.
#include <memory>
#include <string>

#include "store/storage.h"

namespace tune {

struct DashboardOptions {
  std::string host = "127.0.0.1";  // loopback: the study is not shown to the network
  int port = 8080;                 // 0: a free port, chosen when binding
  int poll_ms = 2000;              // how often the page fetches api/study
};

class Dashboard {
 public:
  // Reads the study in `dir` through `storage` (which must outlive this) and binds
  // host:port. ConfigError "`command` --port: HOST:PORT is in use" when another program holds
  // the port, naming --host when the host cannot be bound, and naming the flag for an out of
  // range port or poll interval. Ignores SIGPIPE for the process: httplib writes without
  // MSG_NOSIGNAL, and a browser closing a connection mid-response must not end tune.
  Dashboard(Storage& storage, const std::string& dir, const DashboardOptions& options,
            const std::string& command = "tune dashboard");
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  int port() const;         // the bound port (the chosen one for port 0)
  std::string url() const;  // "http://127.0.0.1:8080/"

  // Serves until stop(); returns at once when stop() came first.
  void serve();
  // Ends serve(): from any thread, before or during it; once or many times.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tune
