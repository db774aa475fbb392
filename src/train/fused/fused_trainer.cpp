#include "train/fused/fused_trainer.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "train/fused/fused_cnn.h"
#include "train/fused/fused_mlp.h"
#include "train/generators.h"
#include "train/step_graph.h"

namespace tune {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

struct FusedTrainer::Run {
  std::vector<std::unique_ptr<TrialProgress>> progress;
  std::vector<at::Generator> order;   // each trial's batch order
  std::vector<TrainResult> results;   // filled as trials leave
  std::vector<bool> active;           // still training
  torch::Tensor weight;               // [K] loss weights: 1 active, 0 gone
  std::vector<EpochMetrics> metrics;  // the current epoch's, per trial
  std::vector<WeightsSnapshot> left;  // each trial's state when it left (empty before)
  torch::Tensor loss_sum, correct;    // [K] the epoch's training loss sums and hits
  // With capture_steps on a GPU: one full batch of every trial (copied in before each step)
  // and the step that reads it.
  torch::Tensor x, y;
  std::unique_ptr<GraphedStep> graph;
  bool any_active() const { return std::find(active.begin(), active.end(), true) != active.end(); }
};

FusedTrainer::FusedTrainer(std::unique_ptr<FusedModel> model, FusedOptimizer optimizer,
                           std::vector<TrainOptions> options)
    : model_(std::move(model)),
      optimizer_(std::move(optimizer)),
      options_(std::move(options)),
      hooks_(options_.size()) {
  if (static_cast<int64_t>(options_.size()) != model_->trials())
    throw ConfigError("fused group", "one TrainOptions per trial");
  for (size_t k = 1; k < options_.size(); ++k)
    if (options_[k].batch_size != options_[0].batch_size)
      throw ConfigError("fused group: trial " + std::to_string(k),
                        "batch_size " + std::to_string(options_[k].batch_size) +
                            " differs from the group's " + std::to_string(options_[0].batch_size));
}

void FusedTrainer::add_callback(int64_t trial, std::unique_ptr<Callback> callback) {
  hooks_.at(trial).callbacks.push_back(std::move(callback));
}

void FusedTrainer::on_epoch(int64_t trial, std::function<void(const EpochMetrics&)> hook) {
  hooks_.at(trial).on_epoch = std::move(hook);
}

void FusedTrainer::stop_when(int64_t trial, std::function<bool()> requested) {
  hooks_.at(trial).stop = std::move(requested);
}

void FusedTrainer::leave(Run& run, int64_t k) {
  run.active[k] = false;
  run.weight[k].fill_(0);
  optimizer_.freeze(k);
  run.results[k] = run.progress[k]->finish();
  run.left[k] = TrainerControl(model_->trial_state(k)).snapshot();
}

void FusedTrainer::keep_left_state(Run& run) {
  for (int64_t k = 0; k < trials(); ++k)
    if (!run.active[k]) TrainerControl(model_->trial_state(k)).restore(run.left[k]);
}

void FusedTrainer::train_epoch(const Split& train, Run& run) {
  model_->train(true);
  const torch::Device device = train.x.device();
  const int64_t K = trials(), n = train.epoch_size(), batch = options_[0].batch_size;
  std::vector<torch::Tensor> orders;
  for (int64_t k = 0; k < K; ++k)
    orders.push_back(epoch_order(train.size(), n, run.order[k], device));
  auto order = torch::stack(orders);  // [K, n]
  run.loss_sum.zero_();
  run.correct.zero_();
  int64_t seen = 0;
  auto start = Clock::now();
  for (int64_t first = 0; first < n; first += batch) {
    for (int64_t k = 0; k < K; ++k)
      if (run.active[k] && run.progress[k]->stop_requested()) {
        run.progress[k]->interrupt();  // its unfinished epoch is not reported
        leave(run, k);
      }
    if (!run.any_active()) return;
    int64_t size = std::min(batch, n - first);
    if (size < 2 && seen > 0) break;  // as Trainer: a lone trailing example is skipped
    auto index = order.narrow(1, first, size).reshape({-1});
    if (run.graph && size == batch) {
      at::index_select_out(run.x, train.x, 0, index);
      at::index_select_out(run.y, train.y, 0, index);
      run.graph->run();
    } else {
      step(train.rows(index), train.y.index_select(0, index), size, run);
    }
    seen += size;
  }
  // The one host-device synchronisation of the epoch.
  auto losses = run.loss_sum.to(torch::kCPU, torch::kDouble);
  auto hits = run.correct.to(torch::kCPU);
  const double seconds = std::max(seconds_since(start), 1e-9);
  for (int64_t k = 0; k < K; ++k) {
    EpochMetrics& m = run.metrics[k];
    m.train_loss = losses[k].item<double>() / static_cast<double>(seen);
    m.train_accuracy = static_cast<double>(hits[k].item<int64_t>()) / static_cast<double>(seen);
    m.samples_per_second = static_cast<double>(seen) / seconds;
  }
}

void FusedTrainer::step(const torch::Tensor& x_flat, const torch::Tensor& y_flat, int64_t size,
                        Run& run) {
  const int64_t K = trials();
  auto x = x_flat.view({K, size, -1});
  auto y = y_flat.view({K, size});
  optimizer_.zero_grad();
  auto logits = model_->forward(x);
  auto per_trial = torch::nn::functional::cross_entropy(
                       logits.reshape({K * size, -1}), y.reshape({-1}),
                       torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                       .view({K, size})
                       .mean(1);
  (per_trial * run.weight).sum().backward();
  optimizer_.step();
  torch::NoGradGuard no_grad;
  run.loss_sum.add_(per_trial.detach(), static_cast<double>(size));
  run.correct.add_(logits.detach().argmax(2).eq(y).sum(1));
}

std::vector<Evaluation> FusedTrainer::evaluate(const Split& split) {
  torch::InferenceMode inference;
  model_->train(false);
  const torch::Device device = split.x.device();
  const int64_t K = trials(), n = split.size(), chunk = options_[0].eval_batch_size;
  auto loss_sum = torch::zeros({K}, torch::dtype(torch::kDouble).device(device));
  auto correct = torch::zeros({K}, torch::dtype(torch::kLong).device(device));
  for (int64_t first = 0; first < n; first += chunk) {
    int64_t size = std::min(chunk, n - first);
    auto x = split.slice(first, size).reshape({1, size, -1}).expand({K, size, -1});
    auto y = split.y.narrow(0, first, size);
    auto logits = model_->forward(x);
    auto losses = torch::nn::functional::cross_entropy(
        logits.reshape({K * size, -1}), y.repeat({K}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    loss_sum.add_(losses.view({K, size}).sum(1));
    correct.add_(logits.argmax(2).eq(y.unsqueeze(0)).sum(1));
  }
  auto losses = loss_sum.cpu();
  auto hits = correct.cpu();
  const double count = static_cast<double>(std::max<int64_t>(n, 1));
  std::vector<Evaluation> out(K);
  for (int64_t k = 0; k < K; ++k) {
    out[k].loss = losses[k].item<double>() / count;
    out[k].accuracy = static_cast<double>(hits[k].item<int64_t>()) / count;
  }
  return out;
}

std::vector<TrainResult> FusedTrainer::fit(const Dataset& data) {
  const int64_t K = trials();
  const torch::Device device = model_->device();
  Run run;
  run.results.resize(K);
  run.active.assign(K, true);
  run.metrics.resize(K);
  run.left.resize(K);
  run.weight = torch::ones({K}, torch::dtype(torch::kFloat).device(device));
  run.loss_sum = torch::zeros({K}, torch::dtype(torch::kFloat).device(device));
  run.correct = torch::zeros({K}, torch::dtype(torch::kLong).device(device));
  model_->seed_dropout();
  if (capture_steps_ && device.is_cuda()) {
    const int64_t batch = options_[0].batch_size;
    std::vector<int64_t> shape = data.train.x.sizes().vec();
    shape[0] = K * batch;
    run.x = torch::empty(shape, data.train.feature_options());
    run.y = torch::empty({K * batch}, data.train.y.options());
    run.graph = std::make_unique<GraphedStep>(
        [this, &run, batch] { step(run.x, run.y, batch, run); }, device,
        model_->dropout_generators(), "fused group of " + std::to_string(K) + " trials");
  }
  for (int64_t k = 0; k < K; ++k) {
    run.order.push_back(trial_generator(device, options_[k].seed));
    run.progress.push_back(std::make_unique<TrialProgress>(options_[k].epochs, options_[k].monitor,
                                                           options_[k].mode, hooks_[k],
                                                           TrainerControl(model_->trial_state(k))));
    run.progress[k]->begin();
  }
  const bool scheduled = std::any_of(options_.begin(), options_.end(), [](const TrainOptions& o) {
    return o.lr_schedule != LrSchedule::Constant;
  });
  for (int epoch = 1; run.any_active(); ++epoch) {
    // This epoch's learning rates; trials that left keep their frozen 0.
    std::vector<double> lr(K, 0.0);
    for (int64_t k = 0; k < K; ++k)
      if (run.active[k]) lr[k] = optimizer_.initial_lr(k) * options_[k].lr_factor(epoch);
    if (scheduled) optimizer_.set_lrs(lr);
    auto start = Clock::now();
    train_epoch(data.train, run);
    keep_left_state(run);
    if (!run.any_active()) break;
    std::vector<Evaluation> val = evaluate(data.val);
    for (int64_t k = 0; k < K; ++k) {
      if (!run.active[k]) continue;
      EpochMetrics& m = run.metrics[k];
      m.epoch = epoch;
      m.lr = lr[k];
      m.val_loss = val[k].loss;
      m.val_accuracy = val[k].accuracy;
      m.seconds = seconds_since(start);
      run.progress[k]->end_epoch(m);
      if (!run.progress[k]->wants_epoch()) leave(run, k);
    }
  }
  replayed_graph_ = run.graph && run.graph->captured();
  if (data.has_test()) {
    std::vector<Evaluation> test = evaluate(data.test);
    for (int64_t k = 0; k < K; ++k)
      if (run.progress[k]->judged_on_test()) run.results[k].test = test[k];
  }
  return run.results;
}

FusedTrainer make_fused_trainer(const std::vector<Hyperparameters>& configs,
                                const InputShape& input_shape, int64_t num_classes,
                                const torch::Device& device,
                                const std::function<void(TrainOptions&)>& adjust) {
  if (configs.empty()) throw ConfigError("fused group", "needs at least one trial");
  const std::vector<std::string> fusable = {"mlp", "cnn"};
  const std::string kind = configs[0].choice("model", "mlp", builtin_models().names());
  std::vector<OptimizerSpec> optimizers;
  std::vector<TrainOptions> options;
  std::vector<uint64_t> seeds;
  std::vector<MlpSpec> mlps;
  std::vector<CnnSpec> cnns;
  for (size_t k = 0; k < configs.size(); ++k) {
    const Hyperparameters& hp = configs[k];
    const std::string model = hp.choice("model", "mlp", builtin_models().names());
    if (std::find(fusable.begin(), fusable.end(), model) == fusable.end())
      hp.fail("model", "only mlp and cnn trials can be fused, not " + model);
    if (model != kind)
      throw ConfigError("fused group: trial " + std::to_string(k),
                        "model " + model + " cannot join a group of " + kind + " trials");
    if (model == "mlp") mlps.push_back(mlp_spec(hp, input_shape));
    if (model == "cnn") cnns.push_back(cnn_spec(hp, input_shape));
    optimizers.push_back(optimizer_spec(hp));
    options.push_back(TrainOptions::from(hp));
    if (adjust) adjust(options.back());
    seeds.push_back(options.back().seed);
  }
  std::unique_ptr<FusedModel> model;
  if (kind == "mlp")
    model = std::make_unique<FusedMlp>(std::move(mlps), num_classes, seeds, device);
  if (kind == "cnn")
    model = std::make_unique<FusedCnn>(std::move(cnns), num_classes, seeds, device);
  FusedOptimizer optimizer(model->parameters(), optimizers);
  return FusedTrainer(std::move(model), std::move(optimizer), std::move(options));
}

}  // namespace tune
