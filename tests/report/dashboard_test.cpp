// The dashboard's server in this process: its routes, what it refuses, binding, stopping.
#include "report/dashboard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "../store/temp_dir.h"
#include "../support/http.h"
#include "../support/studies.h"
#include "common/error.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::add_complete_trial;
using testing::http_get;
using testing::http_request;
using testing::TempDir;

DashboardOptions any_port() {
  DashboardOptions options;
  options.port = 0;
  return options;
}

// A study with two trials, its dashboard (read-only, as the command opens it) serving on a
// free port, and the writer that can add trials.
class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = testing::small_study(study(), 2);
    reader_ = open_existing_study(study(), "test");
    dashboard_ = std::make_unique<Dashboard>(*reader_, study(), any_port());
    serving_ = std::thread([this] { dashboard_->serve(); });
  }
  void TearDown() override {
    dashboard_->stop();
    serving_.join();
  }
  std::string study() const { return dir_.file("study"); }
  int port() const { return dashboard_->port(); }

  TempDir dir_;
  std::unique_ptr<Storage> writer_, reader_;
  std::unique_ptr<Dashboard> dashboard_;
  std::thread serving_;
};

std::vector<int> trial_numbers(const Json& data) {
  std::vector<int> numbers;
  for (const auto& t : data.at("trials")) numbers.push_back(t.at("number").get<int>());
  return numbers;
}

TEST_F(DashboardTest, ServesThePage) {
  auto page = http_get(port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_FALSE(page.body.empty());
  auto head = http_request(port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(http_get(port(), "/favicon.ico").status, 204);  // asked for by every browser
}

TEST_F(DashboardTest, ServesTheStudyAndFollowsItsChanges) {
  auto first = http_get(port(), "/api/study");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("Content-Type"), "application/json");
  EXPECT_EQ(first.header("Cache-Control"), "no-store");
  EXPECT_EQ(trial_numbers(Json::parse(first.body)), (std::vector<int>{0, 1}));

  add_complete_trial(*writer_, 2, 1.0, 0.0);  // another process's trial, after the first read
  auto second = http_get(port(), "/api/study");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(trial_numbers(Json::parse(second.body)), (std::vector<int>{0, 1, 2}));
}

TEST_F(DashboardTest, AnyOtherPathIsNotFoundAndNeverAFile) {
  for (const char* path :
       {"/study.db", "/../study.db", "/%2e%2e/study.db", "/api/../study.db", "/api/study/",
        "/api/study/../../study.db", "//study.db", "/index.html", "/api", "/.%2e/study/study.db"}) {
    auto reply = http_get(port(), path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.header("Content-Type"), "text/plain; charset=utf-8") << path;
    EXPECT_EQ(reply.body.find("SQLite"), std::string::npos) << path;
    EXPECT_LT(reply.body.size(), 200u) << path;
  }
}

TEST_F(DashboardTest, AnswersOnlyRequestsAddressedToALoopbackName) {
  const std::string port_text = std::to_string(port());
  for (const std::string& host : {"127.0.0.1:" + port_text, "localhost:" + port_text,
                                  std::string("localhost"), "[::1]:" + port_text}) {
    EXPECT_EQ(http_request(port(), "GET", "/api/study", host).status, 200) << host;
  }
  // A rebound name (a page elsewhere resolving its own name to 127.0.0.1) is refused.
  for (const std::string& host : {"evil.example:" + port_text, std::string("evil.example"),
                                  std::string("127.0.0.1.evil.example"), std::string("")}) {
    auto reply = http_request(port(), "GET", "/api/study", host);
    EXPECT_EQ(reply.status, 403) << host;
    EXPECT_EQ(reply.body.find("trials"), std::string::npos) << host;
  }
}

TEST_F(DashboardTest, OnlyGetAndHead) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    auto reply = http_request(port(), method, "/api/study");
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_EQ(reply.header("Allow"), "GET, HEAD") << method;
  }
}

TEST_F(DashboardTest, UrlNamesLoopbackAndTheChosenPort) {
  EXPECT_GT(port(), 0);
  EXPECT_EQ(dashboard_->url(), "http://127.0.0.1:" + std::to_string(port()) + "/");
}

// A socket listening on a free loopback port, held by "another program".
class PortHolder {
 public:
  PortHolder() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) != 0 || listen(fd_, 1) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0)
      std::abort();
    port_ = ntohs(addr.sin_port);
  }
  ~PortHolder() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

std::string bind_message(Storage& storage, const std::string& dir, DashboardOptions options) {
  try {
    Dashboard dashboard(storage, dir, options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(bound)";
}

TEST_F(DashboardTest, APortInUseIsTheFlagsError) {
  PortHolder other;
  DashboardOptions options;
  options.port = other.port();
  EXPECT_EQ(bind_message(*reader_, study(), options),
            "tune dashboard --port: 127.0.0.1:" + std::to_string(other.port()) + " is in use");
  // Another dashboard is another program too: the port is not shared with it.
  options.port = port();
  EXPECT_EQ(bind_message(*reader_, study(), options),
            "tune dashboard --port: 127.0.0.1:" + std::to_string(port()) + " is in use");
}

TEST_F(DashboardTest, AHostThatCannotBeBoundIsTheFlagsError) {
  DashboardOptions options = any_port();
  options.host = "192.0.2.1";  // TEST-NET-1: an address of no machine here
  EXPECT_EQ(bind_message(*reader_, study(), options).rfind("tune dashboard --host: ", 0), 0u);
  options.host = "no-such-host.invalid";
  EXPECT_EQ(bind_message(*reader_, study(), options),
            "tune dashboard --host: cannot resolve \"no-such-host.invalid\"");
}

TEST_F(DashboardTest, OutOfRangeValuesNameTheirFlag) {
  DashboardOptions options;
  options.port = 70000;
  EXPECT_EQ(bind_message(*reader_, study(), options).rfind("tune dashboard --port: 70000", 0), 0u);
  options = any_port();
  options.poll_ms = 10;
  EXPECT_EQ(bind_message(*reader_, study(), options).rfind("tune dashboard --poll-ms: 10", 0), 0u);
}

TEST_F(DashboardTest, IgnoresSigpipe) {
  // httplib 0.11 sends without MSG_NOSIGNAL: a browser hanging up as a reply is written would
  // otherwise end the process.
  struct sigaction action {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_IGN);
}

TEST(Dashboard, StopBeforeServeReturnsAtOnce) {
  TempDir dir;
  auto storage = testing::small_study(dir.file("study"), 0);
  Dashboard dashboard(*storage, dir.file("study"), any_port());
  dashboard.stop();
  dashboard.serve();                                     // returns, or the test times out
  EXPECT_EQ(http_get(dashboard.port(), "/").status, 0);  // no longer listening
}

}  // namespace
}  // namespace tune
