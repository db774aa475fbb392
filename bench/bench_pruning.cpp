// Early stopping across trials (issue 9): the same random study on the Fashion-MNIST MLP space
// (configs/fashion_mlp.json) run once per pruner, with the same seed so that every run draws the
// same configs: epochs trained in all, wall time, trials complete and pruned, and the best
// validation accuracy. Per-trial early stopping is off so that the epochs saved are the pruner's.
//   bench_pruning [--trials 64] [--epochs 10] [--workers 2] [--pruners none,median,asha]
//                 [--data DIR] [--config FILE]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_args.h"
#include "common/experiment.h"
#include "common/remove_tree.h"
#include "run/run_experiment.h"
#include "study/study_dir.h"

namespace {

using namespace tune;
using Clock = std::chrono::steady_clock;

struct Args {
  int trials = 64, epochs = 10, workers = 2;
  std::vector<std::string> pruners = {"none", "median", "asha"};
  std::string data, config = std::string(TUNE_SOURCE_DIR) + "/configs/fashion_mlp.json";
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--trials")
      a.trials = std::stoi(value);
    else if (flag == "--epochs")
      a.epochs = std::stoi(value);
    else if (flag == "--workers")
      a.workers = std::stoi(value);
    else if (flag == "--pruners")
      a.pruners = split(value);
    else if (flag == "--data")
      a.data = value;
    else if (flag == "--config")
      a.config = value;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  return a;
}

struct Row {
  int complete = 0, pruned = 0, failed = 0, epochs = 0;
  double wall = 0, best = 0;
};

Row run_one(Experiment e, const std::string& pruner) {
  e.pruner = pruner == "none" ? Json::object() : Json{{"name", pruner}};
  std::string dir = (std::filesystem::temp_directory_path() / "bench_pruning.XXXXXX").string();
  if (!mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed for " + dir);
  ExperimentRunOptions options;
  options.study_dir = dir;
  auto start = Clock::now();
  ExperimentRun run = run_experiment(e, options);
  Row row;
  row.wall = std::chrono::duration<double>(Clock::now() - start).count();
  row.complete = run.summary.totals.complete;
  row.pruned = run.summary.totals.pruned;
  row.failed = run.summary.totals.failed;
  auto storage = open_study_dir(dir);
  TrialQuery query;
  query.with_metrics = true;
  for (const TrialSnapshot& t : storage->trials(query))
    row.epochs += static_cast<int>(t.metrics.size());
  if (auto best = storage->best(Direction::Maximize)) row.best = *best->value;
  remove_tree(dir);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tune::bench::print_command(argc, argv);
    Args a = parse(argc, argv);
    Experiment e = load_experiment(a.config);
    e.trials = a.trials;
    e.params["epochs"] = a.epochs;
    e.callbacks.erase("early_stopping");
    e.devices = {{"cpu_workers", a.workers}};
    if (!a.data.empty()) e.data["dir"] = a.data;
    std::printf(
        "%d-trial random study (seed %llu) on the %s space, %d epochs per trial, %d CPU "
        "workers, early stopping off; %u hardware threads\n",
        a.trials, static_cast<unsigned long long>(e.seed), e.name.c_str(), a.epochs, a.workers,
        std::thread::hardware_concurrency());
    std::printf("%-10s %9s %7s %7s %14s %9s %14s\n", "pruner", "complete", "pruned", "failed",
                "epochs trained", "wall s", "best val_acc");
    std::fflush(stdout);
    std::optional<Row> base;
    for (const std::string& pruner : a.pruners) {
      Row r = run_one(e, pruner);
      if (!base) base = r;
      std::printf("%-10s %9d %7d %7d %14d %9.1f %14.4f   epochs %.2fx fewer, best %+.4f\n",
                  pruner.c_str(), r.complete, r.pruned, r.failed, r.epochs, r.wall, r.best,
                  static_cast<double>(base->epochs) / std::max(1, r.epochs), r.best - base->best);
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "bench_pruning: %s\n", ex.what());
    return 2;
  }
}
