// The scheduler's figures (issue 5), in three sections:
// 1. Throughput: the Fashion-MNIST MLP (784-128-10, Adam, batch 128, lr searched at random) for
//    a fixed number of epochs with K workers on one device, for each K: wall time, trials per
//    hour, aggregate training samples per second and the speed-up over the first row.
// 2. A sleep-bound CPU study (8 trials of 0.5 s): 2 workers against 1 (goal: ratio <= 0.6).
// 4. Fused trials: the default space (configs/fashion_mlp.json) as a random study of N trials
//    with --per-device K workers (--cpu-workers on the CPU), unfused and with --fuse F: wall
//    time, trials/s, groups formed, the trials in them and the best val_accuracy side by side. --study-epochs and
//    --study-samples (a synthetic 784-feature, 10-class set of that size instead of
//    Fashion-MNIST) make it small enough for the CPU.
// 3. A leak check: many small synthetic trials one after another on the device; host RSS and
//    (on CUDA) the caching allocator's allocated and reserved bytes after trial 10 and after
//    the last one. Exits 1 when one of them grew by more than 10%.
//   bench_sched [--device cpu|cuda:N] [--workers 1,2,4,8] [--trials N] [--epochs N]
//               [--data DIR] [--leak-trials N] [--skip-throughput] [--skip-leak] [--skip-sleep]
//               [--fused-study] [--study-trials N] [--per-device K] [--fuse F]
//               [--study-epochs N] [--study-samples N] [--config FILE]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifdef TUNE_WITH_CUDA
#include <c10/core/Device.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "bench_args.h"
#include "common/experiment.h"
#include "common/json.h"
#include "common/remove_tree.h"
#include "data/load.h"
#include "run/run_experiment.h"
#include "run/worker_env.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "train/device.h"
#include "train/train_objective.h"

namespace {

using namespace tune;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string device;  // "": cuda:0 when there is a GPU, else cpu
  std::vector<int> workers = {1, 2, 4, 8};
  int trials = 8;
  int epochs = 2;
  std::string data = kFashionMnistDir;
  int leak_trials = 100;
  bool throughput = true, sleep = true, leak = true;
  bool fused_study = false;  // section 4, only when asked (--fused-study)
  int study_trials = 64, per_device = 8, fuse = 8;
  int study_epochs = 0;   // 0: the config's
  int study_samples = 0;  // 0: the config's data
  std::string config = "configs/fashion_mlp.json";
};

std::vector<int> parse_counts(const std::string& list) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    int k = std::stoi(list.substr(start, comma - start));
    if (k < 1) throw std::invalid_argument("--workers: counts must be at least 1: " + list);
    out.push_back(k);
    start = comma + 1;
  }
  return out;
}

int positive(const std::string& flag, const std::string& value) {
  int n = std::stoi(value);
  if (n < 1) throw std::invalid_argument(flag + " must be at least 1, got " + value);
  return n;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--skip-throughput") {
      a.throughput = false;
      continue;
    }
    if (flag == "--skip-sleep") {
      a.sleep = false;
      continue;
    }
    if (flag == "--skip-leak") {
      a.leak = false;
      continue;
    }
    if (flag == "--fused-study") {
      a.fused_study = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--device")
      a.device = value;
    else if (flag == "--workers")
      a.workers = parse_counts(value);
    else if (flag == "--trials")
      a.trials = positive(flag, value);
    else if (flag == "--epochs")
      a.epochs = positive(flag, value);
    else if (flag == "--data")
      a.data = value;
    else if (flag == "--leak-trials")
      a.leak_trials = positive(flag, value);
    else if (flag == "--study-trials")
      a.study_trials = positive(flag, value);
    else if (flag == "--per-device")
      a.per_device = positive(flag, value);
    else if (flag == "--fuse")
      a.fuse = positive(flag, value);
    else if (flag == "--study-epochs")
      a.study_epochs = positive(flag, value);
    else if (flag == "--study-samples")
      a.study_samples = positive(flag, value);
    else if (flag == "--config")
      a.config = value;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  if (a.leak && a.leak_trials <= 10)
    throw std::invalid_argument("--leak-trials must be more than 10 (the baseline is trial 10)");
  a.device = a.device.empty() ? (cuda_device_count() > 0 ? "cuda:0" : "cpu")
                              : check_device(a.device, "--device");
  return a;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A directory of its own for one study, removed when this goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bench_sched.XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() { remove_tree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct RunFigures {
  double wall = 0;
  int complete = 0, failed = 0, pruned = 0;
  std::optional<double> best;  // the best complete trial's value
  std::set<int> groups;        // fused groups formed (their ids)
  int fused = 0;               // trials trained in those groups
  int64_t train_samples = 0;   // over complete trials: train split size x epochs run
};

// A study of `trials` trials with K workers on `device`, through the same entry point as
// `tune --cpu-workers K` or `tune --gpus N --per-device K`, with `objective` shared by them.
RunFigures run_timed(Experiment e, const std::string& device, int k, int trials, uint64_t seed,
                     const std::shared_ptr<Objective>& objective, int64_t train_size,
                     int fuse = 1) {
  const std::string prefix = "cuda:";
  if (device.compare(0, prefix.size(), prefix) == 0)
    e.devices = {{"gpus", device.substr(prefix.size())}, {"per_device", k}};
  else
    e.devices = {{"cpu_workers", k}};
  e.devices["fuse"] = fuse;
  e.trials = trials;
  e.seed = seed;
  TempDir dir;
  ExperimentRunOptions options;
  options.study_dir = dir.path();
  options.objective = objective;
  auto start = Clock::now();
  ExperimentRun run = run_experiment(e, options);
  RunFigures f;
  f.wall = seconds_since(start);
  f.complete = run.summary.totals.complete;
  f.failed = run.summary.totals.failed;
  f.pruned = run.summary.totals.pruned;
  TrialQuery query;
  query.with_metrics = true;
  const std::vector<TrialSnapshot> all = open_study_dir(dir.path())->trials(query);
  if (auto best = best_trial(all, e.objective_spec.direction)) f.best = best->value;
  for (const TrialSnapshot& t : all) {
    if (auto g = t.summary.find("fused_group"); g != t.summary.end() && g->is_object()) {
      f.groups.insert(g->value("id", -1));
      ++f.fused;
    }
    if (t.state == TrialState::Complete)
      f.train_samples += train_size * static_cast<int64_t>(t.metrics.size());
    else if (t.state == TrialState::Failed)
      std::fprintf(stderr, "  trial %d failed: %s\n", t.number, t.error.c_str());
  }
  return f;
}

// --- 1. Throughput ---------------------------------------------------------------------------

Experiment fashion_experiment(const Args& a) {
  Json root = {
      {"name", "bench_sched"},
      {"data", {{"dataset", "fashion-mnist"}, {"dir", a.data}}},
      {"params",
       {{"model", "mlp"},
        {"layers", 1},
        {"units", 128},
        {"activation", "relu"},
        {"optimizer", "adam"},
        {"lr", 1e-3},
        {"batch_size", 128},
        {"epochs", a.epochs},
        {"seed", 0}}},
      {"callbacks", Json::object()},  // no early stopping: every trial runs all its epochs
      {"objective", {{"monitor", "val_accuracy"}}},
      {"space", {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-2}, {"log", true}}}}},
      {"strategy", {{"name", "random"}}}};
  return parse_experiment(root, "bench_sched: fashion-mnist");
}

void throughput(const Args& a) {
  Experiment e = fashion_experiment(a);
  // Counted once here on the CPU (the objective's cache keeps its own copy for the device).
  int64_t train_size = load_dataset(e.data, e.where("data")).train.size();
  std::shared_ptr<Objective> objective = make_train_objective(e);
  {  // Warm-up, outside the timings: loads the data into the objective's cache on the device.
    auto start = Clock::now();
    Json config = e.trial_config({{"epochs", 1}});
    TrialContext ctx;
    ctx.device = a.device;
    auto env = enter_worker(a.device, 0);
    objective->run(config, ctx);
    std::printf("warm-up trial (data load + 1 epoch): %.2f s; %lld training samples per epoch\n",
                seconds_since(start), static_cast<long long>(train_size));
  }
  std::printf(
      "\n1. Throughput: Fashion-MNIST MLP 784-128-10, Adam, batch 128, lr random in "
      "[1e-4, 1e-2], %d epoch(s), all workers on %s\n",
      a.epochs, a.device.c_str());
  std::printf("%8s %7s %9s %13s %16s %9s\n", "workers", "trials", "wall s", "trials/hour",
              "train samples/s", "speedup");
  std::fflush(stdout);
  std::optional<double> base;
  for (int k : a.workers) {
    int trials = std::max(a.trials, 2 * k);
    RunFigures f =
        run_timed(e, a.device, k, trials, static_cast<uint64_t>(k), objective, train_size);
    double rate = static_cast<double>(f.train_samples) / f.wall;
    if (!base) base = rate;
    std::printf("%8d %7d %9.2f %13.1f %16.0f %8.2fx", k, f.complete, f.wall,
                3600.0 * f.complete / f.wall, rate, rate / *base);
    if (f.failed > 0) std::printf("   (%d failed)", f.failed);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("speedup: aggregate train samples/s over the first row (K=%d)\n", a.workers[0]);
}

// --- 2. Sleep-bound study ---------------------------------------------------------------------

// Stands in for a trial that waits on something else (a subprocess, I/O).
class SleepObjective : public Objective {
 public:
  ObjectiveResult run(const Json& config, TrialContext&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ObjectiveResult r;
    r.value = config.at("x").get<double>();
    return r;
  }
};

void sleep_bound() {
  Json root = {{"name", "bench_sched_sleep"},
               {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
               {"strategy", {{"name", "random"}}}};
  Experiment e = parse_experiment(root, "bench_sched: sleep");
  auto objective = std::make_shared<SleepObjective>();
  const int trials = 8;
  std::printf("\n2. Sleep-bound CPU study: %d trials of 0.5 s each\n", trials);
  double wall[2] = {0, 0};
  for (int k : {1, 2}) {
    RunFigures f = run_timed(e, "cpu", k, trials, 0, objective, 0);
    wall[k - 1] = f.wall;
    std::printf("  %d worker%s: %.2f s wall (%d complete)\n", k, k == 1 ? " " : "s", f.wall,
                f.complete);
  }
  double ratio = wall[1] / wall[0];
  std::printf("  ratio 2 workers / 1 worker: %.3f (goal <= 0.6: %s)\n", ratio,
              ratio <= 0.6 ? "met" : "NOT met");
}

// --- 4. Fused study ---------------------------------------------------------------------------

void fused_study(const Args& a) {
  Json root = Json::parse(std::ifstream(a.config));
  if (a.study_epochs > 0) root["params"]["epochs"] = a.study_epochs;
  if (a.study_samples > 0)
    root["data"] = {{"dataset", "synthetic"},
                    {"samples", a.study_samples},
                    {"features", 784},
                    {"classes", 10},
                    {"seed", 1},
                    {"validation_fraction", 0.1}};
  Experiment e = parse_experiment(root, a.config);
  std::shared_ptr<Objective> objective = make_train_objective(e);
  {  // Warm-up outside the timings: the data into the objective's cache on the device.
    TrialContext ctx;
    ctx.device = a.device;
    auto env = enter_worker(a.device, 0);
    objective->run(e.trial_config({{"epochs", 1}}), ctx);
  }
  std::printf(
      "\n4. Fused trials: %s's space, random, %d trials, %d workers on %s, epochs %s, data %s\n",
      a.config.c_str(), a.study_trials, a.per_device, a.device.c_str(),
      root["params"].value("epochs", Json()).dump().c_str(),
      a.study_samples > 0 ? ("synthetic " + std::to_string(a.study_samples)).c_str()
                          : root["data"].value("dataset", "?").c_str());
  std::printf("%8s %9s %9s %9s %8s %8s %7s %7s %14s\n", "fuse", "wall s", "trials/s", "complete",
              "pruned", "failed", "groups", "fused", ("best " + e.objective_spec.monitor).c_str());
  std::fflush(stdout);
  std::optional<double> base;
  for (int fuse : {1, a.fuse}) {
    RunFigures f = run_timed(e, a.device, a.per_device, a.study_trials, e.seed, objective, 0, fuse);
    const int finished = f.complete + f.pruned + f.failed;
    if (!base) base = f.wall;
    std::printf("%8d %9.2f %9.3f %9d %8d %8d %7zu %7d %14.4f   %.2fx\n", fuse, f.wall,
                finished / f.wall, f.complete, f.pruned, f.failed, f.groups.size(), f.fused,
                f.best.value_or(std::nan("")), *base / f.wall);
    std::fflush(stdout);
  }
  std::printf("groups: fused groups formed; fused: trials trained in them\n");
  std::printf("last column: wall-time speed-up over fuse 1\n");
}

// --- 3. Leak check ----------------------------------------------------------------------------

struct Memory {
  double rss = 0;                             // bytes
  std::optional<double> allocated, reserved;  // CUDA caching allocator, bytes
};

Memory sample_memory(const std::string& device) {
  Memory m;
  long pages_total = 0, pages_resident = 0;
  std::ifstream statm("/proc/self/statm");
  if (statm >> pages_total >> pages_resident)
    m.rss = static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
#ifdef TUNE_WITH_CUDA
  c10::Device d(device);
  if (d.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(d.index());
    const auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    m.allocated = static_cast<double>(stats.allocated_bytes[all].current);
    m.reserved = static_cast<double>(stats.reserved_bytes[all].current);
  }
#else
  (void)device;
#endif
  return m;
}

// Runs the inner objective and samples memory after trial `baseline_after` and after every
// trial (the last of them being the final figure). One worker only: not thread-safe.
class MemoryWatch : public Objective {
 public:
  MemoryWatch(std::shared_ptr<Objective> inner, int baseline_after)
      : inner_(std::move(inner)), baseline_after_(baseline_after) {}

  ObjectiveResult run(const Json& config, TrialContext& ctx) override {
    struct Sample {  // also after a failed trial
      MemoryWatch& w;
      const std::string& device;
      ~Sample() {
        w.last = sample_memory(device);
        if (++w.trials == w.baseline_after_) w.baseline = w.last;
      }
    } sample{*this, ctx.device};
    return inner_->run(config, ctx);
  }

  int trials = 0;
  std::optional<Memory> baseline, last;

 private:
  std::shared_ptr<Objective> inner_;
  int baseline_after_;
};

double mib(double bytes) {
  return bytes / (1024.0 * 1024.0);
}

// Prints one figure's growth; true when it looks like a leak. Tiny device footprints move by
// whole 2 MiB allocator segments, so growth under 2 MiB is never called a leak.
bool report_growth(const char* what, double before, double after) {
  double growth = before > 0 ? 100.0 * (after - before) / before : 0.0;
  bool leak = growth > 10.0 && after - before > 2.0 * 1024 * 1024;
  std::printf("  %-22s %10.2f MiB -> %10.2f MiB  %+7.2f%%  %s\n", what, mib(before), mib(after),
              growth, leak ? "LEAK?" : "OK (within 10%)");
  return leak;
}

bool leak_check(const Args& a) {
  Json root = {
      {"name", "bench_sched_leak"},
      {"data", {{"dataset", "synthetic"}, {"samples", 512}, {"features", 20}, {"classes", 3}}},
      {"params",
       {{"model", "mlp"},
        {"layers", 1},
        {"units", 32},
        {"activation", "relu"},
        {"optimizer", "adam"},
        {"epochs", 1},
        {"seed", 0}}},
      {"callbacks", Json::object()},
      {"objective", {{"monitor", "val_accuracy"}}},
      {"space", {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-2}, {"log", true}}}}},
      {"strategy", {{"name", "random"}}}};
  Experiment e = parse_experiment(root, "bench_sched: leak");
  const int baseline_after = 10;
  auto watch = std::make_shared<MemoryWatch>(make_train_objective(e), baseline_after);
  std::printf(
      "\n3. Leak check: %d synthetic trials (512 x 20, 3 classes, MLP 32 units, 1 epoch), "
      "1 worker on %s\n",
      a.leak_trials, a.device.c_str());
  std::fflush(stdout);
  RunFigures f = run_timed(e, a.device, 1, a.leak_trials, 0, watch, 0);
  std::printf(
      "  %d trials (%d complete, %d failed) in %.2f s; figures after trial %d and after "
      "trial %d\n",
      watch->trials, f.complete, f.failed, f.wall, baseline_after, watch->trials);
  if (!watch->baseline || !watch->last) {
    std::printf("  LEAK? fewer than %d trials ran; nothing to compare\n", baseline_after + 1);
    return true;
  }
  const Memory &before = *watch->baseline, &after = *watch->last;
  bool leak = report_growth("host RSS", before.rss, after.rss);
  if (before.allocated && after.allocated)
    leak = report_growth("CUDA allocated", *before.allocated, *after.allocated) || leak;
  if (before.reserved && after.reserved)
    leak = report_growth("CUDA reserved", *before.reserved, *after.reserved) || leak;
  std::printf("  %s\n", leak ? "LEAK?" : "OK (within 10%)");
  return leak;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tune::bench::print_command(argc, argv);
    Args a = parse(argc, argv);
    std::printf("device %s, %u hardware threads, CUDA devices: %d\n", a.device.c_str(),
                std::thread::hardware_concurrency(), cuda_device_count());
    if (a.throughput) throughput(a);
    if (a.sleep) sleep_bound();
    if (a.fused_study) fused_study(a);
    bool leak = a.leak && leak_check(a);
    return leak ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sched: %s\n", e.what());
    return 2;
  }
}
