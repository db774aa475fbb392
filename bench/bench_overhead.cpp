// Study overhead (issue 9): what the engine costs per trial when the trial itself costs
// nothing. An in-process objective that returns at once runs N trials on one worker through
// run_experiment (ask, claim, tell, best.json and the other listeners, all durable SQLite
// commits); the time per trial is measured around 100, 1,000 and 10,000 stored trials.
//   bench_overhead [--random 10000] [--bayes 1000] [--tpe 0]
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "common/remove_tree.h"
#include "run/run_experiment.h"

namespace {

using namespace tune;
using Clock = std::chrono::steady_clock;

class NoOp : public Objective {
 public:
  ObjectiveResult run(const Json& config, TrialContext&) override {
    ObjectiveResult r;
    r.value = std::pow(config.at("x").get<double>() - 0.3, 2) + config.at("y").get<double>();
    return r;
  }
};

// When each trial finished, by count.
class Clocker : public RunListener {
 public:
  void trial_finished(const WorkerSpec&, const TrialSnapshot&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    times.push_back(Clock::now());
  }
  std::vector<Clock::time_point> times;

 private:
  std::mutex mutex_;
};

// Mean milliseconds per trial over trials (from, to].
double ms_per_trial(const std::vector<Clock::time_point>& t, size_t from, size_t to) {
  return std::chrono::duration<double, std::milli>(t[to - 1] - t[from - 1]).count() /
         static_cast<double>(to - from);
}

void run(const std::string& strategy, int trials) {
  Json root = {{"name", "bench_overhead"},
               {"space",
                {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                 {"y", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
               {"strategy", {{"name", strategy}}},
               {"objective", {{"monitor", "val_loss"}}},  // minimise
               {"trials", trials}};
  Experiment e = parse_experiment(root, "bench_overhead");
  std::string dir = (std::filesystem::temp_directory_path() / "bench_overhead.XXXXXX").string();
  if (!mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed for " + dir);
  Clocker clock;
  ExperimentRunOptions options;
  options.study_dir = dir;
  options.objective = std::make_shared<NoOp>();
  options.listeners.push_back(&clock);
  auto start = Clock::now();
  run_experiment(e, options);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  remove_tree(dir);
  std::printf("%-7s %6d trials in %7.1f s;", strategy.c_str(), trials, wall);
  const auto& t = clock.times;
  for (size_t at : {size_t(100), size_t(1000), size_t(10000)}) {
    if (t.size() < at) break;
    size_t from = std::max<size_t>(1, at - at / 10);
    std::printf("  at %5zu: %7.3f ms/trial", at, ms_per_trial(t, from, at));
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int random = 10000, bayes = 1000, tpe = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string flag = argv[i];
      if (flag == "--random")
        random = std::stoi(argv[i + 1]);
      else if (flag == "--bayes")
        bayes = std::stoi(argv[i + 1]);
      else if (flag == "--tpe")
        tpe = std::stoi(argv[i + 1]);
      else
        throw std::invalid_argument("unknown flag " + flag);
    }
    std::printf(
        "bench_overhead --random %d --bayes %d --tpe %d (one worker, a no-op objective; the "
        "time per trial is the mean over the last 10%% of trials before each mark)\n",
        random, bayes, tpe);
    if (random > 0) run("random", random);
    if (bayes > 0) run("bayes", bayes);
    if (tpe > 0) run("tpe", tpe);
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "bench_overhead: %s\n", ex.what());
    return 2;
  }
}
