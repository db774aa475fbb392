// Epoch time and training throughput of the Fashion-MNIST MLP (784-128-10, Adam lr 1e-3,
// batch 128) in tune's trainer, then the same loop in Python PyTorch (bench/train_pytorch.py,
// same LibTorch) in this invocation, and their ratio. The first epoch of each is a warm-up and
// left out of the means when there are more.
//   bench_train [--device cpu|cuda:N] [--epochs N] [--threads N] [--data DIR]
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/json.h"
#include "data/load.h"
#include "models/builders.h"
#include "train/device.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace {

struct Args {
  std::string device = "cpu";
  int epochs = 3;
  int threads = 0;  // 0: LibTorch's default
  std::string data = tune::kFashionMnistDir;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
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

Figures run_ours(const Args& a) {
  using namespace tune;
  Json section = {{"dataset", "fashion-mnist"}, {"dir", a.data}};
  torch::Device device(check_device(a.device, "--device"));
  Dataset data = load_dataset(section, "bench").to(device);
  Hyperparameters hp({{"model", "mlp"},
                      {"layers", 1},
                      {"units", 128},
                      {"optimizer", "adam"},
                      {"lr", 1e-3},
                      {"batch_size", 128},
                      {"epochs", a.epochs}},
                     "bench");
  auto model = builtin_models().build(hp, data.input_shape, data.num_classes);
  TrainOptions options = TrainOptions::from(hp);
  initialize_parameters(*model, options.seed);
  model->to(device);
  Trainer trainer(model, make_optimizer(hp, model->parameters()), options);
  Json epochs = Json::array();
  trainer.on_epoch([&](const EpochMetrics& m) {
    epochs.push_back(m.to_json());
    std::fprintf(stderr, "  tune    epoch %d: %.3f s, %.0f samples/s, val_acc %.4f\n", m.epoch,
                 m.seconds, m.samples_per_second, m.val_accuracy);
  });
  trainer.fit(data);
  return mean_after_warmup(epochs);
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

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = parse(argc, argv);
    if (a.threads > 0) torch::set_num_threads(a.threads);
    std::printf(
        "Fashion-MNIST MLP 784-128-10, Adam lr 1e-3, batch 128, device %s, %d epochs, "
        "%d threads\n",
        a.device.c_str(), a.epochs, torch::get_num_threads());
    Figures ours = run_ours(a);
    Figures python = run_python(a);
    std::printf("%-16s %12s %14s %10s\n", "", "epoch (s)", "samples/s", "val_acc");
    std::printf("%-16s %12.3f %14.0f %10.4f\n", "tune (C++)", ours.seconds, ours.samples_per_second,
                ours.val_accuracy);
    std::printf("%-16s %12.3f %14.0f %10.4f\n", "PyTorch (Python)", python.seconds,
                python.samples_per_second, python.val_accuracy);
    std::printf("speed-up (samples/s): %.2fx   (epoch time): %.2fx\n",
                ours.samples_per_second / python.samples_per_second, python.seconds / ours.seconds);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
}
