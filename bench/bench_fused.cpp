// Training throughput of K same-shape trials fused into one batched model (train/fused/)
// against the same K trials trained one after another by the Trainer, on synthetic data shaped
// like Fashion-MNIST (28x28, 10 classes). --model mlp: 784-128-10; --model cnn: two blocks of
// 8 3x3 filters with max pooling, a dense layer of 32 (batch norm with --batch-norm 1); both
// Adam, batch 128, lr differing per trial. Samples/s are training examples of all K trials per
// second of training (validation left out), from the last of --epochs epochs (the first is a
// warm-up); each figure is the median of --repeats runs, separate and fused taking turns, so
// that load from other programs falls on both alike.
//   bench_fused [--model mlp|cnn] [--batch-norm 0|1] [--device cpu|cuda:N] [--k 1,8,32,64]
//               [--samples N] [--epochs N] [--threads N] [--repeats N]
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_args.h"
#include "common/json.h"
#include "data/load.h"
#include "train/device.h"
#include "train/fused/fused_trainer.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace {

struct Args {
  std::string model = "mlp";
  bool batch_norm = false;
  std::string device = "cpu";
  std::vector<int64_t> k = {1, 8, 32, 64};
  int64_t samples = 12000;
  int epochs = 2;
  int threads = 1;
  int repeats = 5;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[i + 1];
    if (flag == "--model") {
      if (value != "mlp" && value != "cnn")
        throw std::invalid_argument("--model: " + value + "; allowed: mlp, cnn");
      a.model = value;
    } else if (flag == "--batch-norm") {
      a.batch_norm = std::stoi(value) != 0;
    } else if (flag == "--device") {
      a.device = value;
    } else if (flag == "--k") {
      a.k.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) a.k.push_back(std::stoll(item));
    } else if (flag == "--samples") {
      a.samples = std::stoll(value);
    } else if (flag == "--epochs") {
      a.epochs = std::stoi(value);
    } else if (flag == "--threads") {
      a.threads = std::stoi(value);
    } else if (flag == "--repeats") {
      a.repeats = std::max(1, std::stoi(value));
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  return a;
}

tune::Hyperparameters trial(const Args& a, int64_t k) {
  tune::Json config = {
      {"model", a.model},  {"optimizer", "adam"}, {"lr", 1e-3 * static_cast<double>(1 + k % 4)},
      {"batch_size", 128}, {"epochs", a.epochs},  {"seed", k}};
  if (a.model == "mlp") config.update({{"layers", 1}, {"units", 128}});
  if (a.model == "cnn")
    config.update(
        {{"blocks", 2}, {"filters", 8}, {"dense_units", 32}, {"batch_norm", a.batch_norm}});
  return tune::Hyperparameters(config, "bench");
}

// Training samples per second of all trials together in the last epoch.
double separate(const Args& a, const tune::Dataset& data, const torch::Device& device, int64_t K) {
  double seconds = 0, samples = 0;
  for (int64_t k = 0; k < K; ++k) {
    tune::Hyperparameters hp = trial(a, k);
    auto model = tune::builtin_models().build(hp, data.input_shape, data.num_classes);
    tune::TrainOptions options = tune::TrainOptions::from(hp);
    tune::initialize_parameters(*model, options.seed);
    model->to(device);
    tune::Trainer trainer(model, tune::make_optimizer(hp, model->parameters()), options);
    tune::EpochMetrics last = trainer.fit(data).history.back();
    const double seen = static_cast<double>(data.train.size());
    samples += seen;
    seconds += seen / last.samples_per_second;
  }
  return samples / seconds;
}

double fused(const Args& a, const tune::Dataset& data, const torch::Device& device, int64_t K) {
  std::vector<tune::Hyperparameters> group;
  for (int64_t k = 0; k < K; ++k) group.push_back(trial(a, k));
  tune::FusedTrainer trainer =
      tune::make_fused_trainer(group, data.input_shape, data.num_classes, device);
  std::vector<tune::TrainResult> results = trainer.fit(data);
  // Every trial saw the same number of samples in the group's time.
  return static_cast<double>(K) * results.front().history.back().samples_per_second;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tune::bench::print_command(argc, argv);
    Args a = parse(argc, argv);
    if (a.threads > 0) torch::set_num_threads(a.threads);
    torch::Device device(tune::check_device(a.device, "--device"));
    tune::Json section = {
        {"dataset", "synthetic"}, {"samples", a.samples}, {"test_samples", 0}, {"features", 784},
        {"classes", 10},          {"shape", {1, 28, 28}}, {"separation", 0.3}, {"seed", 0}};
    tune::Dataset data = tune::load_dataset(section, "bench").to(device);
    std::printf(
        "model %s%s, device %s, %d intra-op thread(s), %lld training samples per epoch, epoch %d "
        "of %d, median of %d runs\n",
        a.model.c_str(), a.batch_norm && a.model == "cnn" ? " with batch norm" : "",
        a.device.c_str(), torch::get_num_threads(), static_cast<long long>(data.train.size()),
        a.epochs, a.epochs, a.repeats);
    std::printf("| K | separate samples/s | fused samples/s | fused / separate |\n");
    std::printf("| --- | --- | --- | --- |\n");
    for (int64_t K : a.k) {
      std::vector<double> apart_runs, together_runs;
      for (int r = 0; r < a.repeats; ++r) {
        apart_runs.push_back(separate(a, data, device, K));
        together_runs.push_back(fused(a, data, device, K));
      }
      double apart = median(apart_runs), together = median(together_runs);
      std::printf("| %lld | %.0f | %.0f | %.2fx |\n", static_cast<long long>(K), apart, together,
                  together / apart);
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fused: %s\n", e.what());
    return 2;
  }
}
