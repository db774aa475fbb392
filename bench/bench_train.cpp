// Epoch time and training throughput of the Fashion-MNIST MLP (784-128-10, Adam lr 1e-3,
// batch 128) in tune's trainer, then the same loop in Python PyTorch (bench/train_pytorch.py,
// same LibTorch) in this invocation, and their ratio. On the CPU tune runs twice: with its own
// CPU kernels (the default: oneDNN products, hashed dropout masks, one-call Adam; common/cpu.h)
// and with LibTorch's. The first epoch of each is a warm-up and left out of the means when there
// are more.
//   bench_train [--device cpu|cuda:N] [--epochs N] [--threads N] [--data DIR]
//   bench_train --thread-policy [--epochs N]: the CPU thread policy, quiet and with one core
//   kept busy by another process (issue 10)
//   bench_train --optuna-example [--epochs N]: the small MLPs of the Optuna example's sweep
//   (configs/optuna_pytorch_simple.json's data: 3,840 fresh training images per epoch, 1,280
//   validation images; two layers of 8, 66 or 128 units, dropout 0.3; sgd, adam, rmsprop at lr
//   1e-3; then GELU and tanh at 8 and 1024 units with adam) on one intra-op thread, with LibTorch's
//   CPU kernels and with tune's, one after the other per row: the median epoch time (validation
//   included) over epochs 2..N (default 10)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/cpu.h"
#include "common/json.h"
#include "data/load.h"
#include "models/builders.h"
#include "train/device.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace {

struct Args {
  std::string device = "cpu";
  int epochs = 0;   // 0: the mode's default, 3 (10 with --optuna-example)
  int threads = 0;  // 0: LibTorch's default
  std::string data = tune::kFashionMnistDir;
  bool thread_policy = false;   // --thread-policy: the busy-core table instead of the comparison
  bool optuna_example = false;  // --optuna-example: the small-MLP table instead
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--thread-policy" || flag == "--optuna-example") {
      (flag == "--thread-policy" ? a.thread_policy : a.optuna_example) = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--device")
      a.device = value;
    else if (flag == "--epochs")
      a.epochs = std::stoi(value);
    else if (flag == "--threads")
      a.threads = std::stoi(value);
    else if (flag == "--data")
      a.data = value;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  if (a.epochs == 0) a.epochs = a.optuna_example ? 10 : 3;  // the example trains 10
  return a;
}

struct Figures {
  double seconds = 0;  // mean epoch time, validation included
  double samples_per_second = 0;
  double val_accuracy = 0;
};

Figures mean_after_warmup(const tune::Json& epochs) {
  Figures f;
  size_t first = epochs.size() > 1 ? 1 : 0, n = epochs.size() - first;
  for (size_t i = first; i < epochs.size(); ++i) {
    f.seconds += epochs[i].at("seconds").get<double>() / static_cast<double>(n);
    f.samples_per_second +=
        epochs[i].at("samples_per_second").get<double>() / static_cast<double>(n);
  }
  f.val_accuracy = epochs.back().at("val_accuracy").get<double>();
  return f;
}

// Trains `params` (over the default MLP's) on `data` and returns its epochs' metrics.
tune::Json train_epochs(const Args& a, const tune::Dataset& data, const tune::Json& params,
                        bool tune_threads) {
  using namespace tune;
  Json config = {{"model", "mlp"}, {"layers", 1},       {"units", 128},      {"optimizer", "adam"},
                 {"lr", 1e-3},     {"batch_size", 128}, {"epochs", a.epochs}};
  config.update(params);
  Hyperparameters hp(config, "bench");
  auto model = builtin_models().build(hp, data.input_shape, data.num_classes);
  TrainOptions options = TrainOptions::from(hp);
  options.tune_threads = tune_threads;
  initialize_parameters(*model, options.seed);
  model->to(data.train.x.device());
  Trainer trainer(model, make_optimizer(hp, model->parameters()), options);
  Json epochs = Json::array();
  trainer.on_epoch([&](const EpochMetrics& m) { epochs.push_back(m.to_json()); });
  trainer.fit(data);
  return epochs;
}

Figures run_ours(const Args& a, bool tune_threads = false) {
  using namespace tune;
  Json section = {{"dataset", "fashion-mnist"}, {"dir", a.data}};
  torch::Device device(check_device(a.device, "--device"));
  Dataset data = load_dataset(section, "bench").to(device);
  Json epochs = train_epochs(a, data, Json::object(), tune_threads);
  for (const auto& m : epochs)
    std::fprintf(stderr, "  tune    epoch %d: %.3f s, %.0f samples/s, val_acc %.4f\n",
                 m.at("epoch").get<int>(), m.at("seconds").get<double>(),
                 m.at("samples_per_second").get<double>(), m.at("val_accuracy").get<double>());
  return mean_after_warmup(epochs);
}

// The median epoch time in ms over epochs 2..N.
double median_epoch_ms(const tune::Json& epochs) {
  std::vector<double> ms;
  for (size_t i = epochs.size() > 1 ? 1 : 0; i < epochs.size(); ++i)
    ms.push_back(epochs[i].at("seconds").get<double>() * 1000);
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

void optuna_example(const Args& a) {
  using namespace tune;
  torch::set_num_threads(1);
  Json section = {{"dataset", "fashion-mnist"},
                  {"dir", a.data},
                  {"train_limit", 3840},
                  {"train_subset", "per_epoch"},
                  {"validation_from", "test"},
                  {"validation_limit", 1280},
                  {"split_seed", 0},
                  {"normalize", "none"}};
  Dataset data = load_dataset(section, "bench");
  std::printf(
      "the Optuna example's MLPs, 2 layers, dropout 0.3, lr 1e-3, batch 128, 1 thread; "
      "median epoch (ms) over epochs 2..%d\n",
      a.epochs);
  std::printf("%6s %-8s %-5s %18s %14s %8s\n", "units", "optim", "act", "LibTorch kernels",
              "tune kernels", "ratio");
  struct Row {
    int units;
    const char* optimizer;
    const char* activation;
  };
  std::vector<Row> rows;
  for (int units : {8, 66, 128})
    for (const char* optimizer : {"sgd", "adam", "rmsprop"})
      rows.push_back({units, optimizer, "relu"});
  // Smooth activations, which the CPU step leaves to LibTorch's kernels, narrow and wide.
  for (const char* activation : {"gelu", "tanh"})
    for (int units : {8, 1024}) rows.push_back({units, "adam", activation});
  for (const Row& row : rows) {
    Json params = {{"layers", 2},    {"units", row.units},
                   {"dropout", 0.3}, {"optimizer", row.optimizer},
                   {"lr", 1e-3},     {"activation", row.activation}};
    set_cpu_kernels(CpuKernels::LibTorch);
    const double theirs = median_epoch_ms(train_epochs(a, data, params, false));
    set_cpu_kernels(CpuKernels::Tuned);
    const double ours = median_epoch_ms(train_epochs(a, data, params, false));
    std::printf("%6d %-8s %-5s %18.2f %14.2f %7.2fx\n", row.units, row.optimizer, row.activation,
                theirs, ours, theirs / ours);
    std::fflush(stdout);
  }
}

Figures run_python(const Args& a) {
  std::string cmd = std::string(TUNE_PYTHON) + " " + TUNE_SOURCE_DIR +
                    "/bench/train_pytorch.py --device " + a.device + " --epochs " +
                    std::to_string(a.epochs) + " --threads " + std::to_string(a.threads) +
                    " --data " + a.data;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (pclose(pipe) != 0) throw std::runtime_error("the PyTorch loop failed: " + cmd);
  tune::Json j = tune::Json::parse(out.substr(out.rfind('{', out.find("\"epochs\""))));
  for (const auto& m : j.at("epochs"))
    std::fprintf(stderr, "  pytorch epoch %d: %.3f s, %.0f samples/s, val_acc %.4f\n",
                 m.at("epoch").get<int>(), m.at("seconds").get<double>(),
                 m.at("samples_per_second").get<double>(), m.at("val_accuracy").get<double>());
  return mean_after_warmup(j.at("epochs"));
}

// Another process holding one core for as long as this lives: a child spinning at full speed.
class BusyCore {
 public:
  BusyCore() {
    pid_ = fork();
    if (pid_ == 0)
      for (volatile unsigned long long i = 0;; i = i + 1) {
      }
  }
  ~BusyCore() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_;
};

// The thread policy on this machine, quiet and with one core taken by another process: all
// the usable cores as intra-op threads, one thread, and the trainer measuring which is faster.
void thread_policy(const Args& a) {
  const int cores = tune::usable_cores();
  std::printf("thread policy: %d usable cores; mean of epochs 2..%d\n", cores, a.epochs);
  std::printf("%-8s %-24s %12s %14s\n", "machine", "threads", "epoch (s)", "samples/s");
  for (bool busy : {false, true}) {
    std::optional<BusyCore> other;
    if (busy) other.emplace();
    struct Row {
      std::string name;
      int threads;
      bool tuned;
    };
    for (const Row& row :
         {Row{std::to_string(cores) + " (all, fixed)", cores, false}, Row{"1 (fixed)", 1, false},
          Row{std::to_string(cores) + ", tuned (default)", cores, true}}) {
      torch::set_num_threads(row.threads);
      Figures f = run_ours(a, row.tuned);
      std::printf("%-8s %-24s %12.3f %14.0f\n", busy ? "busy" : "quiet", row.name.c_str(),
                  f.seconds, f.samples_per_second);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = parse(argc, argv);
    if (a.thread_policy) {
      thread_policy(a);
      return 0;
    }
    if (a.optuna_example) {
      optuna_example(a);
      return 0;
    }
    if (a.threads > 0) torch::set_num_threads(a.threads);
    std::printf(
        "Fashion-MNIST MLP 784-128-10, Adam lr 1e-3, batch 128, device %s, %d epochs, "
        "%d threads\n",
        a.device.c_str(), a.epochs, torch::get_num_threads());
    std::optional<Figures> libtorch_kernels;
    if (a.device == "cpu") {
      tune::set_cpu_kernels(tune::CpuKernels::LibTorch);
      libtorch_kernels = run_ours(a, /*tune_threads=*/a.threads == 0);
      tune::set_cpu_kernels(tune::CpuKernels::Tuned);
    }
    Figures ours = run_ours(a, /*tune_threads=*/a.threads == 0);  // as tune trains by default
    Figures python = run_python(a);
    auto row = [](const char* name, const Figures& f) {
      std::printf("%-34s %12.3f %14.0f %10.4f\n", name, f.seconds, f.samples_per_second,
                  f.val_accuracy);
    };
    std::printf("%-34s %12s %14s %10s\n", "", "epoch (s)", "samples/s", "val_acc");
    if (libtorch_kernels) row("tune (C++), LibTorch's CPU kernels", *libtorch_kernels);
    row(libtorch_kernels ? "tune (C++), its own CPU kernels" : "tune (C++)", ours);
    row("PyTorch (Python)", python);
    std::printf("speed-up (samples/s): %.2fx   (epoch time): %.2fx\n",
                ours.samples_per_second / python.samples_per_second, python.seconds / ours.seconds);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
}
