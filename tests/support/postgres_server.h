#pragma once
// The PostgreSQL server a test program uses: the one ctest started for the whole run (its
// directory in TUNE_TEST_POSTGRES_DIR, see tests/CMakeLists.txt), else one this program starts
// on first use and stops when it exits. Either way tests/support/postgres_server.sh starts it:
// a throwaway cluster on 127.0.0.1, so a server starts once per run (or per program), never
// per test. A test that stops its server on purpose starts one of its own
// (PostgresServer(false)), so that the other tests of the run keep theirs.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace tune::testing {

class PostgresServer {
 public:
  static const PostgresServer& get() {
    static PostgresServer server(true);
    return server;
  }
  // Starts a server of its own (`shared`: the run's, when ctest started one), stopped and
  // removed by the destructor.
  explicit PostgresServer(bool shared) {
    if (const char* dir = std::getenv("TUNE_TEST_POSTGRES_DIR"); shared && dir && read(dir)) return;
    char pattern[] = "/tmp/tune-test-postgres-XXXXXX";
    if (!mkdtemp(pattern)) {
      failure_ = "cannot create a directory for the server";
      return;
    }
    dir_ = pattern;
    own_ = true;
    if (!run("start") || !read(dir_))
      failure_ = "could not start a PostgreSQL server with " + script() + " (see its output)";
  }
  ~PostgresServer() {
    if (own_) run("stop");
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The server's URL (a superuser without password, database postgres); "" when none runs.
  const std::string& url() const { return url_; }
  // Why no server runs: its binaries are missing here (the tests skip), or it failed to start.
  const std::string& missing() const { return missing_; }
  const std::string& failure() const { return failure_; }

  // Stops the server, keeping its data, and starts it again on the same port (its own only).
  bool pause() const { return own_ && run("pause"); }
  bool resume() const { return own_ && run("resume"); }

  // A study name no other test of this run uses: `test` (its '/' as '_', so that the name
  // also makes a file name) and this process.
  static std::string study_name(std::string test) {
    std::replace(test.begin(), test.end(), '/', '_');
    return test + "_" + std::to_string(getpid());
  }

 private:
  bool run(const std::string& command) const {
    return std::system(("bash " + script() + " " + command + " " + dir_).c_str()) == 0;
  }

  static std::string script() { return TUNE_SOURCE_DIR "/tests/support/postgres_server.sh"; }

  // Reads what the script left in `dir`: url, or missing; false when neither is there.
  bool read(const std::string& dir) {
    std::ifstream url(dir + "/url"), missing(dir + "/missing");
    if (url) return static_cast<bool>(std::getline(url, url_));
    if (missing) return static_cast<bool>(std::getline(missing, missing_));
    return false;
  }

  std::string dir_;
  bool own_ = false;
  std::string url_, missing_, failure_;
};

}  // namespace tune::testing

// Skips the current test when PostgreSQL's server binaries are missing and fails it when the
// server could not start; then PostgresServer::get().url() is the server's URL.
#define TUNE_REQUIRE_POSTGRES()                                        \
  do {                                                                 \
    const auto& server_ = ::tune::testing::PostgresServer::get();      \
    if (!server_.missing().empty()) GTEST_SKIP() << server_.missing(); \
    ASSERT_TRUE(server_.failure().empty()) << server_.failure();       \
  } while (false)
