// tune dashboard end to end: the line it prints, where it listens, what stops it, and the
// errors that end it before it serves.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "../support/http.h"
#include "../support/studies.h"
#include "process.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

// A running `tune dashboard --port 0` on a small study, and the URL it printed.
class DashboardCli : public ::testing::Test {
 protected:
  void SetUp() override { writer_ = testing::small_study(study(), 2); }

  std::string study() const { return dir_.file("study"); }

  // Starts the dashboard and waits for its line on stdout: the port it serves (0 when no such
  // line came within 30 s).
  int start(std::vector<std::string> flags = {"--port", "0"}) {
    std::vector<std::string> args = {TUNE_BINARY, "dashboard", "--study", study()};
    args.insert(args.end(), flags.begin(), flags.end());
    process_ = std::make_unique<Process>(args, dir_.file("dashboard"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::regex url(R"(at (http://([0-9.]+):([0-9]+)/) \(Ctrl-C stops\)\n)");
    while (std::chrono::steady_clock::now() < deadline &&
           !testing::process_ended(process_->pid())) {
      line_ = testing::file_bytes(dir_.file("dashboard.out"));
      std::smatch m;
      if (std::regex_search(line_, m, url)) {
        host_ = m[2];
        return std::stoi(m[3]);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }

  TempDir dir_;
  std::unique_ptr<Storage> writer_;
  std::unique_ptr<Process> process_;
  std::string line_, host_;
};

// Whether /proc/net/tcp lists a socket listening on 127.0.0.1:port (and none on another
// address with that port).
bool listens_on_loopback_only(int port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  char hex_port[8];
  snprintf(hex_port, sizeof(hex_port), ":%04X", port);
  bool loopback = false, other = false;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "0A" || local.size() < 6 || local.substr(local.size() - 5) != hex_port) continue;
    (local.rfind("0100007F:", 0) == 0 ? loopback : other) = true;
  }
  return loopback && !other;
}

TEST_F(DashboardCli, PrintsItsUrlServesOnLoopbackAndCtrlCStopsIt) {
  int port = start();
  ASSERT_GT(port, 0) << line_;
  EXPECT_EQ(host_, "127.0.0.1");
  EXPECT_EQ(std::count(line_.begin(), line_.end(), '\n'), 1) << line_;
  EXPECT_TRUE(listens_on_loopback_only(port));
  auto reply = testing::http_get(port, "/api/study");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Json::parse(reply.body).at("trials").size(), 2u);
  EXPECT_EQ(testing::http_get(port, "/study.db").status, 404);

  // A browser keeps its connection open between polls; Ctrl-C must not wait for it.
  int kept = testing::connect_loopback(port);
  ASSERT_TRUE(testing::send_all(kept, "GET /api/study HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  char buffer[4096];
  ASSERT_GT(recv(kept, buffer, sizeof(buffer), 0), 0);
  auto start = std::chrono::steady_clock::now();
  process_->signal(SIGINT);
  Finished f = process_->wait();
  close(kept);
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(f.err, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(DashboardCli, SigtermStopsItCleanly) {
  int port = start();
  ASSERT_GT(port, 0) << line_;
  process_->signal(SIGTERM);
  Finished f = process_->wait();
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(f.err, "");
}

TEST_F(DashboardCli, ClientsThatResetTheirConnectionDoNotEndIt) {
  int port = start();
  ASSERT_GT(port, 0) << line_;
  for (int i = 0; i < 20; ++i) {
    int fd = testing::connect_loopback(port);
    testing::send_all(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    linger reset{1, 0};  // close with a reset, as a browser tab closed mid-reply may
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    close(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(testing::http_get(port, "/").status, 200);
  process_->signal(SIGINT);
  EXPECT_EQ(process_->wait().code, 0);
}

TEST_F(DashboardCli, APortInUseExits2WithOneLine) {
  int port = start();
  ASSERT_GT(port, 0) << line_;
  Process second({TUNE_BINARY, "dashboard", "--study", study(), "--port", std::to_string(port)},
                 dir_.file("second"));
  Finished f = second.wait();
  EXPECT_EQ(f.code, 2);
  EXPECT_EQ(f.out, "");
  EXPECT_EQ(f.err, "tune: error: tune dashboard --port: 127.0.0.1:" + std::to_string(port) +
                       " is in use\n");
  EXPECT_EQ(testing::http_get(port, "/").status, 200);  // the first one serves on
}

TEST_F(DashboardCli, AMissingStudyExits2) {
  Process p({TUNE_BINARY, "dashboard", "--study", dir_.file("none"), "--port", "0"},
            dir_.file("missing"));
  Finished f = p.wait();
  EXPECT_EQ(f.code, 2);
  EXPECT_EQ(f.err.rfind("tune: error: tune dashboard --study: ", 0), 0u) << f.err;
  EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
}

TEST_F(DashboardCli, BadFlagValuesExit2) {
  for (std::vector<std::string> flags :
       {std::vector<std::string>{"--port", "70000"}, {"--port", "http"}, {"--poll-ms", "0"}}) {
    std::vector<std::string> args = {TUNE_BINARY, "dashboard", "--study", study()};
    args.insert(args.end(), flags.begin(), flags.end());
    Process p(args, dir_.file("bad"));
    Finished f = p.wait();
    EXPECT_EQ(f.code, 2) << flags[0];
    EXPECT_NE(f.err.find(flags[0]), std::string::npos) << f.err;
  }
}

}  // namespace
}  // namespace tune
