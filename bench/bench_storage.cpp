// Storage overhead across processes (issue 15): what claiming and finishing a trial costs when
// the trial itself costs nothing, on SQLite (one file, WAL, a durable commit each) and on
// PostgreSQL over loopback, with 1, 4 and 16 worker processes sharing one study of 2,000
// trials. Each worker does what the study does between trials: read the changes since its
// last look, claim the next number (synchronising again on a conflict), finish the trial.
// Prints trials per second, the p50/p99 claim latency (first attempt to success, conflicts
// included) and checks that exactly the budget was claimed, each number once.
//   bench_storage [--trials 2000] [--workers 1,4,16] [--storage postgresql://...]
// Without --storage, a throwaway durable PostgreSQL server (fsync on) is started with
// tests/support/postgres_server.sh; without its binaries only SQLite runs.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/remove_tree.h"
#include "store/storage.h"

namespace {

using namespace tune;
using Clock = std::chrono::steady_clock;

struct Options {
  int trials = 2000;
  std::vector<int> workers = {1, 4, 16};
  std::string storage;  // a PostgreSQL URL; "" starts a throwaway server
};

// One worker process: claims and finishes trials until the budget is spent, and writes each
// claim's latency in microseconds, one a line, to `out`. Exit status 0, or 1 on any error.
int work(Storage& storage, int budget, const std::string& worker, const std::string& out) {
  std::ofstream latencies(out);
  ChangeCursor cursor;
  int next = 0, claims = 0;
  for (;;) {
    const auto start = Clock::now();
    ClaimResult result;
    do {
      StudyChanges changes = storage.changes_since(cursor);
      cursor = changes.cursor;
      for (const auto& t : changes.trials) next = std::max(next, t.number + 1);
      ClaimRequest request;
      request.number = next;
      request.params = {{"x", next}, {"worker", worker}};
      request.budget = budget;
      request.worker = worker;
      result = storage.claim(request);
    } while (result.status == ClaimStatus::Conflict);
    if (result.status == ClaimStatus::BudgetSpent) return 0;
    latencies << std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()
              << "\n";
    ++claims;
    if (!storage.finish(result.trial->number, TrialState::Complete, 1.0, ""))
      throw std::runtime_error("finish refused for trial " + std::to_string(result.trial->number));
  }
}

using Opener = std::function<std::unique_ptr<Storage>()>;

struct Row {
  double seconds = 0;
  std::vector<long> latencies;
  bool ok = true;
  std::string problem;
};

Row run(const Opener& open, int workers, int budget, const std::string& scratch) {
  open();  // creates the study before the clock starts
  std::vector<pid_t> children;
  const auto start = Clock::now();
  for (int w = 0; w < workers; ++w) {
    pid_t pid = fork();
    if (pid == 0) {
      int code = 1;
      try {
        auto storage = open();
        code = work(*storage, budget, "w" + std::to_string(w),
                    scratch + "/latency" + std::to_string(w));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", w, e.what());
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  Row row;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      row.ok = false;
      row.problem = "a worker failed";
    }
  }
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (int w = 0; w < workers; ++w) {
    std::ifstream in(scratch + "/latency" + std::to_string(w));
    for (long us; in >> us;) row.latencies.push_back(us);
  }
  auto trials = open()->trials();
  std::set<int> numbers;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete) numbers.insert(t.number);
  if (trials.size() != static_cast<size_t>(budget) || numbers.size() != trials.size() ||
      row.latencies.size() != trials.size()) {
    row.ok = false;
    row.problem = std::to_string(trials.size()) + " trials stored, " +
                  std::to_string(numbers.size()) + " distinct complete, " +
                  std::to_string(row.latencies.size()) + " claims";
  }
  return row;
}

double percentile_ms(std::vector<long> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t i = std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5));
  return values[i] / 1000.0;
}

void print(const std::string& backend, int workers, int budget, const Row& row) {
  std::printf("| %s | %d | %d | %.1f | %.0f | %.2f | %.2f | %s |\n", backend.c_str(), workers,
              budget, row.seconds, budget / row.seconds, percentile_ms(row.latencies, 0.5),
              percentile_ms(row.latencies, 0.99), row.ok ? "ok" : row.problem.c_str());
  std::fflush(stdout);
}

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--trials")
      o.trials = std::stoi(argv[i + 1]);
    else if (flag == "--workers")
      o.workers = parse_list(argv[i + 1]);
    else if (flag == "--storage")
      o.storage = argv[i + 1];
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  return o;
}

// A throwaway durable server (tests/support/postgres_server.sh with fsync on); "" without
// PostgreSQL's binaries.
std::string start_server(const std::string& dir) {
  const std::string script = TUNE_SOURCE_DIR "/tests/support/postgres_server.sh";
  if (std::system(("TUNE_PG_DURABLE=1 bash " + script + " start " + dir).c_str()) != 0)
    throw std::runtime_error("could not start a PostgreSQL server");
  std::ifstream url(dir + "/url");
  std::string text;
  std::getline(url, text);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    char pattern[] = "/tmp/tune-bench-storage-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("cannot make a scratch directory");
    const std::string scratch = pattern;
    std::string url = o.storage;
    const std::string server = scratch + "-server";
    if (url.empty()) url = start_server(server);
    std::printf(
        "| storage | processes | trials | wall s | trials/s | claim p50 ms | "
        "claim p99 ms | check |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int workers : o.workers) {
      const std::string file = scratch + "/study" + std::to_string(workers) + ".db";
      print("SQLite", workers, o.trials,
            run([&] { return open_sqlite_storage(file); }, workers, o.trials, scratch));
      if (url.empty()) continue;
      const std::string study = "bench_" + std::to_string(getpid()) + "_" + std::to_string(workers);
      print("PostgreSQL", workers, o.trials,
            run([&] { return open_postgres_storage(url, study); }, workers, o.trials, scratch));
    }
    if (o.storage.empty())
      std::system(
          ("bash " TUNE_SOURCE_DIR "/tests/support/postgres_server.sh stop " + server).c_str());
    remove_tree(scratch);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_storage: %s\n", e.what());
    return 1;
  }
}
