#include "train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "models/dropout.h"
#include "train/cpu_mlp_step.h"
#include "train/cross_entropy.h"
#include "train/fused/fused_optimizer.h"
#include "train/generators.h"
#include "train/step_graph.h"

namespace tune {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

torch::Device device_of(torch::nn::Module& model) {
  auto params = model.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

// Each dropout layer gets a generator of its own, seeded from the trial's seed and the layer's
// position, so masks depend on the trial alone (not on other trials in the process). Returns
// the generators.
std::vector<at::Generator> seed_dropout(torch::nn::Module& model, uint64_t seed) {
  const torch::Device device = device_of(model);
  std::vector<at::Generator> generators;
  for (const auto& module : model.modules(/*include_self=*/false))
    if (auto* dropout = module->as<SeededDropoutImpl>()) {
      generators.push_back(trial_generator(device, dropout_seed(seed, generators.size() + 1)));
      dropout->set_generator(generators.back());
    }
  return generators;
}

}  // namespace

TrainOptions TrainOptions::from(const Hyperparameters& hp) {
  TrainOptions o;
  o.batch_size = hp.integer("batch_size", o.batch_size, 1, 1 << 20);
  o.epochs = static_cast<int>(hp.integer("epochs", o.epochs, 1, 100000));
  o.seed = static_cast<uint64_t>(hp.integer("seed", 0, 0));
  if (hp.choice("lr_schedule", "constant", {"constant", "cosine"}) == "cosine")
    o.lr_schedule = LrSchedule::Cosine;
  return o;
}

double TrainOptions::lr_factor(int epoch) const {
  if (lr_schedule == LrSchedule::Constant) return 1.0;
  const double done = static_cast<double>(std::clamp(epoch, 1, epochs) - 1) / epochs;
  return 0.5 * (1.0 + std::cos(M_PI * done));
}

Trainer::Trainer(torch::nn::Sequential model, std::unique_ptr<torch::optim::Optimizer> optimizer,
                 TrainOptions options)
    : model_(std::move(model)),
      optimizer_(std::move(optimizer)),
      options_(std::move(options)),
      generator_(trial_generator(device_of(*model_), options_.seed)) {}

// The state of a fit whose full batches replay a captured step: the device-resident optimizer,
// one batch's static buffers (each batch is copied in), the totals the step adds to, and the
// step itself.
struct Trainer::Graphed {
  FusedOptimizer optimizer;
  torch::Tensor x, y;
  Totals totals;
  std::unique_ptr<GraphedStep> step;
};

Trainer::~Trainer() = default;

void Trainer::start_graphs(const Split& train, std::vector<at::Generator> dropout) {
  const torch::Device device = train.x.device();
  std::vector<int64_t> shape = train.x.sizes().vec();
  shape[0] = options_.batch_size;
  graphed_.reset(new Graphed{FusedOptimizer(model_->parameters(), {*graph_optimizer_}),
                             torch::empty(shape, train.feature_options()),
                             torch::empty({options_.batch_size}, train.y.options()),
                             {torch::zeros({}, torch::dtype(torch::kFloat).device(device)),
                              torch::zeros({}, torch::dtype(torch::kLong).device(device))},
                             nullptr});
  graphed_->step = std::make_unique<GraphedStep>(
      [this] { step(graphed_->x, graphed_->y, graphed_->totals); }, device, std::move(dropout),
      "trial with seed " + std::to_string(options_.seed));
}

void Trainer::scale_lr(const std::vector<double>& base, double factor) {
  if (graphed_) {
    graphed_->optimizer.set_lr(0, graph_optimizer_->lr * factor);
    return;
  }
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base[i] * factor);
}

void Trainer::add_callback(std::unique_ptr<Callback> callback) {
  hooks_.callbacks.push_back(std::move(callback));
}

bool Trainer::train_epoch(const Split& train, EpochMetrics& m) {
  model_->train();
  const torch::Device device = train.x.device();
  const int64_t n = train.epoch_size(), batch = options_.batch_size;
  auto order = epoch_order(train.size(), n, generator_, device);
  Totals totals;
  if (graphed_) {
    totals = graphed_->totals;  // the tensors the captured step adds to
    totals.loss.zero_();
    totals.correct.zero_();
  } else {
    totals = {torch::zeros({}, torch::dtype(torch::kFloat).device(device)),
              torch::zeros({}, torch::dtype(torch::kLong).device(device))};
  }
  int64_t seen = 0;
  auto start = Clock::now();
  if (threads_) threads_->begin_epoch();
  for (int64_t first = 0; first < n; first += batch) {
    if (hooks_.stop && hooks_.stop()) return false;
    if (threads_) threads_->before_batch();
    auto batch_start = Clock::now();
    int64_t size = std::min(batch, n - first);
    // A lone trailing example would break batch norm's batch statistics; it is skipped.
    if (size < 2 && seen > 0) break;
    auto index = order.narrow(0, first, size);
    if (graphed_ && size == batch) {
      at::index_select_out(graphed_->x, train.x, 0, index);
      at::index_select_out(graphed_->y, train.y, 0, index);
      graphed_->step->run();
    } else {
      step(train.rows(index), train.y.index_select(0, index), totals);
    }
    seen += size;
    if (threads_) threads_->after_batch(seconds_since(batch_start));
  }
  // The one host-device synchronisation of the epoch.
  m.train_loss = totals.loss.item<double>() / static_cast<double>(seen);
  m.train_accuracy =
      static_cast<double>(totals.correct.item<int64_t>()) / static_cast<double>(seen);
  m.samples_per_second = static_cast<double>(seen) / std::max(seconds_since(start), 1e-9);
  return true;
}

void Trainer::step(const torch::Tensor& x, const torch::Tensor& y, Totals& totals) {
  if (cpu_step_) {
    optimizer_->zero_grad(/*set_to_none=*/true);
    const RowsLoss rows = cpu_step_->run(x, y);
    optimizer_->step();
    totals.loss.add_(rows.sum);
    totals.correct.add_(rows.correct);
    return;
  }
  if (graphed_)
    graphed_->optimizer.zero_grad();  // in place: the captured step keeps its gradients
  else
    optimizer_->zero_grad(/*set_to_none=*/true);
  ScoredLoss scored = scored_cross_entropy(model_->forward(x), y);
  scored.loss.backward();
  if (graphed_)
    graphed_->optimizer.step();
  else
    optimizer_->step();
  torch::NoGradGuard no_grad;
  totals.loss.add_(scored.loss.detach(), static_cast<double>(x.size(0)));
  totals.correct.add_(scored.correct);
}

Evaluation Trainer::evaluate(const Split& split) {
  return evaluate_model(model_, split, options_.eval_batch_size);
}

TrainResult Trainer::fit(const Dataset& data) {
  // The count the calling thread had is the most the tuner may use, and comes back after,
  // whatever happens (the worker's next trial starts from it).
  struct RestoreThreads {
    int threads = at::get_num_threads();
    ~RestoreThreads() { at::set_num_threads(threads); }
  } restore;
  threads_ = nullptr;
  if (options_.tune_threads && device_of(*model_).is_cpu()) {
    threads_ = current_thread_tuner();
    if (!threads_ || threads_->max_threads() != restore.threads) {
      own_threads_ = std::make_unique<ThreadTuner>(restore.threads);
      threads_ = own_threads_.get();
    }
    threads_->apply();
  }
  std::vector<at::Generator> dropout = seed_dropout(*model_, options_.seed);
  graphed_.reset();
  if (graph_optimizer_ && device_of(*model_).is_cuda()) start_graphs(data.train, dropout);
  cpu_step_ = device_of(*model_).is_cpu() ? CpuMlpStep::make(model_) : nullptr;
  const int last =
      options_.last_epoch > 0 ? std::min(options_.last_epoch, options_.epochs) : options_.epochs;
  TrialProgress progress(last, options_.monitor, options_.mode, hooks_,
                         TrainerControl(model_.ptr().get()));
  progress.resume_after(std::clamp(options_.first_epoch - 1, 0, last));
  progress.begin();
  const bool scheduled = options_.lr_schedule != LrSchedule::Constant;
  std::vector<double> base_lr;
  for (auto& group : optimizer_->param_groups()) base_lr.push_back(group.options().get_lr());
  while (progress.wants_epoch()) {
    EpochMetrics m;
    m.epoch = progress.next_epoch();
    const double factor = options_.lr_factor(m.epoch);
    if (scheduled) scale_lr(base_lr, factor);
    m.lr = (base_lr.empty() ? 0.0 : base_lr[0]) * factor;  // the first group's, as reported
    auto start = Clock::now();
    if (!train_epoch(data.train, m)) {
      progress.interrupt();  // the unfinished epoch is not reported
      break;
    }
    Evaluation val = evaluate(data.val);
    m.val_loss = val.loss;
    m.val_accuracy = val.accuracy;
    m.seconds = seconds_since(start);
    progress.end_epoch(m);
  }
  TrainResult result = progress.finish();
  if (scheduled) scale_lr(base_lr, 1.0);  // the optimizer as it came
  if (data.has_test() && progress.judged_on_test()) result.test = evaluate(data.test);
  if (threads_ && !threads_->candidates().empty()) result.threads = threads_->chosen();
  replayed_graph_ = graphed_ && graphed_->step->captured();
  graphed_.reset();  // the graph's memory goes back
  cpu_step_.reset();
  return result;
}

void initialize_parameters(torch::nn::Module& model, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* linear = module->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* conv = module->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else {
      continue;
    }
    double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));  // 1/sqrt(fan_in)
    // Drawn on the CPU so the same seed gives the same weights on every device.
    weight.copy_(torch::empty(weight.sizes()).uniform_(-bound, bound, gen));
    if (bias.defined()) bias.copy_(torch::empty(bias.sizes()).uniform_(-bound, bound, gen));
  }
}

Evaluation evaluate_model(torch::nn::Sequential& model, const Split& split, int64_t batch_size) {
  torch::InferenceMode inference;
  model->eval();
  const torch::Device device = split.x.device();
  auto loss_sum = torch::zeros({}, torch::dtype(torch::kDouble).device(device));
  auto correct = torch::zeros({}, torch::dtype(torch::kLong).device(device));
  const int64_t n = split.size();
  for (int64_t first = 0; first < n; first += batch_size) {
    int64_t size = std::min(batch_size, n - first);
    auto x = split.slice(first, size);
    auto y = split.y.narrow(0, first, size);
    ScoredLoss scored = scored_cross_entropy(model->forward(x), y);
    loss_sum.add_(scored.loss, static_cast<double>(size));
    correct.add_(scored.correct);
  }
  Evaluation e;
  e.loss = loss_sum.item<double>() / static_cast<double>(std::max<int64_t>(n, 1));
  e.accuracy =
      static_cast<double>(correct.item<int64_t>()) / static_cast<double>(std::max<int64_t>(n, 1));
  return e;
}

}  // namespace tune
