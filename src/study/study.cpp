#include "study/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

namespace tune {
namespace {

bool uses_budget(TrialState state) {
  return state != TrialState::Failed;
}

// The epoch budget a trial runs with (its config's "epochs"), which ASHA and Hyperband use.
std::optional<int> epoch_budget(const Config& config) {
  auto it = config.find("epochs");
  if (it == config.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

int budget_used(const std::vector<TrialSnapshot>& trials) {
  return static_cast<int>(std::count_if(
      trials.begin(), trials.end(), [](const TrialSnapshot& t) { return uses_budget(t.state); }));
}

std::vector<TrialSnapshot> ranked(const std::vector<TrialSnapshot>& trials, Direction direction) {
  std::vector<TrialSnapshot> out;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) out.push_back(t);
  std::stable_sort(out.begin(), out.end(), [direction](const auto& a, const auto& b) {
    return better(*a.value, *b.value, direction);
  });
  return out;
}

std::optional<TrialSnapshot> best_trial(const std::vector<TrialSnapshot>& trials,
                                        Direction direction) {
  auto order = ranked(trials, direction);
  if (order.empty()) return std::nullopt;
  return order.front();
}

Study::Study(std::shared_ptr<Storage> storage, Space space, std::unique_ptr<Strategy> strategy,
             StudyOptions options)
    : storage_(std::move(storage)),
      space_(std::move(space)),
      strategy_(std::move(strategy)),
      options_(std::move(options)) {
  if (options_.heartbeat_every <= 0)
    options_.heartbeat_every = std::min(5.0, options_.stale_after / 4);
  stale_at_open_ = storage_->fail_stale(options_.stale_after);
  last_stale_check_ = std::chrono::steady_clock::now();
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

Study::~Study() {
  {
    std::lock_guard<std::mutex> lock(own_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  heartbeat_.join();
}

double Study::wait_interval() const {
  return std::min(1.0, options_.stale_after / 4);
}

void Study::sync() {
  StudyChanges changes = storage_->changes_since(view_.cursor);
  for (TrialSnapshot& t : changes.trials) {
    if (t.number < 0) continue;
    const size_t i = static_cast<size_t>(t.number);
    if (i >= view_.trials.size()) view_.trials.resize(i + 1);
    TrialSnapshot& old = view_.trials[i];
    if (old.number >= 0) {
      view_.used -= uses_budget(old.state) ? 1 : 0;
      view_.running -= old.state == TrialState::Running ? 1 : 0;
    }
    view_.used += uses_budget(t.state) ? 1 : 0;
    view_.running += t.state == TrialState::Running ? 1 : 0;
    view_.curves.set_state(t.number, t.state);
    old = std::move(t);
  }
  for (const IntermediateValue& v : changes.values) view_.curves.record(v.trial, v.epoch, v.value);
  view_.cursor = changes.cursor;
}

// Frees the budget held by processes that died, at most every wait_interval(): a write that
// every ask need not pay for.
void Study::fail_stale_now_and_then() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_stale_check_ < std::chrono::duration<double>(wait_interval())) return;
  last_stale_check_ = now;
  storage_->fail_stale(options_.stale_after);
}

std::vector<Config> Study::propose(int number, int n, const FuseKeyFn& fuse_key,
                                   AskStatus& status) {
  const bool others_running = view_.running > 0;
  if (options_.trials && view_.used >= *options_.trials) {
    status = others_running ? AskStatus::Wait : AskStatus::BudgetSpent;
    return {};
  }
  if (options_.trials) n = std::min(n, *options_.trials - view_.used);
  ProposalContext ctx{space_, view_.trials, number, options_.seed, options_.direction};
  ctx.curves = &view_.curves;
  std::vector<Config> params;
  if (n <= 1) {
    // One at a time as before: no copy of the history.
    if (std::optional<Config> one = strategy_->propose(ctx)) params.push_back(std::move(*one));
  } else {
    // The strategy sees sampled params; the objective's key reads the whole trial config.
    if (fuse_key) ctx.fuse_key = [&](const Config& p) { return fuse_key(trial_config(p)); };
    params = strategy_->propose_batch(ctx, n);
  }
  status = !params.empty() ? AskStatus::Claimed
                           : (others_running ? AskStatus::Wait : AskStatus::StrategyDone);
  return params;
}

int Study::running_elsewhere() {
  std::lock_guard<std::mutex> lock(own_mutex_);  // always taken after view_mutex_
  int n = 0;
  for (const TrialSnapshot& t : view_.trials)
    n += t.state == TrialState::Running && own_.count(t.number) == 0;
  return n;
}

AskResult Study::ask(const std::string& device, const std::string& worker) {
  BatchAskResult batch = ask_batch(device, worker, 1);
  AskResult result;
  result.status = batch.status;
  result.running_elsewhere = batch.running_elsewhere;
  if (!batch.trials.empty()) result.trial = std::move(batch.trials.front());
  return result;
}

Config Study::trial_config(const Config& params) const {
  Config config = options_.base_params;
  for (const auto& [k, v] : params.items()) config[k] = v;
  return config;
}

BatchAskResult Study::ask_batch(const std::string& device, const std::string& worker, int n,
                                const FuseKeyFn& fuse_key) {
  BatchAskResult result;
  std::vector<TrialSnapshot> claimed;
  {
    std::lock_guard<std::mutex> lock(view_mutex_);
    fail_stale_now_and_then();
    while (claimed.empty()) {
      sync();
      const int first = static_cast<int>(view_.trials.size());
      std::vector<Config> batch = propose(first, n, fuse_key, result.status);
      if (batch.empty()) {
        if (result.status == AskStatus::Wait) result.running_elsewhere = running_elsewhere();
        return result;
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        ClaimRequest request;
        request.number = first + static_cast<int>(i);
        request.params = std::move(batch[i]);
        request.budget = options_.trials;
        request.device = device;
        request.worker = worker;
        ClaimResult claim = storage_->claim(request);
        // A conflict: another process claimed meanwhile; with nothing claimed yet, catch up
        // and propose again. A spent budget: the next round finds it in the view and says
        // Wait or BudgetSpent.
        if (claim.status != ClaimStatus::Claimed) break;
        claimed.push_back(std::move(*claim.trial));
      }
    }
  }
  for (TrialSnapshot& c : claimed) {
    ActiveTrial t;
    t.number = c.number;
    t.params = std::move(c.params);
    t.config = trial_config(t.params);
    t.device = c.device;
    t.worker = c.worker;
    {
      std::lock_guard<std::mutex> lock(own_mutex_);
      own_[t.number] = Own{epoch_budget(t.config), 0};
    }
    result.trials.push_back(std::move(t));
  }
  result.status = AskStatus::Claimed;
  return result;
}

Decision Study::report(int number, const Json& epoch_metrics) {
  Json metrics = epoch_metrics.is_object() ? epoch_metrics : Json{{"value", epoch_metrics}};
  std::optional<int> max_epochs;
  int reports = 0;
  {
    std::lock_guard<std::mutex> lock(own_mutex_);
    if (auto it = own_.find(number); it != own_.end()) {
      max_epochs = it->second.max_epochs;
      reports = ++it->second.reports;
    }
  }
  // Numbered here when the objective did not say, so storage and the pruner agree.
  if (!metrics.contains("epoch") || !metrics["epoch"].is_number_integer())
    metrics["epoch"] = reports;
  const int epoch = metrics["epoch"].get<int>();
  std::optional<double> value;
  if (auto it = metrics.find(options_.metric);
      it != metrics.end() && it->is_number() && std::isfinite(it->get<double>()))
    value = it->get<double>();
  storage_->report(number, metrics, value);
  if (!options_.pruner || !value) return Decision::Continue;
  std::lock_guard<std::mutex> lock(view_mutex_);
  sync();
  PruneContext ctx{number, epoch, options_.direction, view_.curves, max_epochs};
  return options_.pruner->prune(ctx) ? Decision::Prune : Decision::Continue;
}

std::optional<TrialSnapshot> Study::finish(int number, TrialState state,
                                           std::optional<double> value, const std::string& error,
                                           const Json& summary) {
  auto finished = storage_->finish(number, state, value, error, summary);
  std::lock_guard<std::mutex> lock(own_mutex_);
  own_.erase(number);
  return finished;
}

std::optional<TrialSnapshot> Study::tell_complete(int number, double value, const Json& summary) {
  if (!std::isfinite(value))
    return tell_failed(number, "the objective returned " + std::to_string(value), summary);
  return finish(number, TrialState::Complete, value, "", summary);
}

std::optional<TrialSnapshot> Study::tell_failed(int number, const std::string& error,
                                                const Json& summary) {
  return finish(number, TrialState::Failed, std::nullopt, error, summary);
}

std::optional<TrialSnapshot> Study::tell_pruned(int number, const Json& summary) {
  std::optional<double> last;
  {
    std::lock_guard<std::mutex> lock(view_mutex_);
    const auto& curve = view_.curves.curve(number);
    if (!curve.empty()) last = curve.rbegin()->second;
  }
  return finish(number, TrialState::Pruned, last, "", summary);
}

int Study::fail_own_running(const std::string& reason) {
  std::vector<int> numbers;
  {
    std::lock_guard<std::mutex> lock(own_mutex_);
    for (const auto& entry : own_) numbers.push_back(entry.first);
  }
  int failed = 0;
  for (int n : numbers) failed += tell_failed(n, reason) ? 1 : 0;
  return failed;
}

std::vector<TrialSnapshot> Study::trials(const TrialQuery& query) const {
  return storage_->trials(query);
}

std::optional<TrialSnapshot> Study::trial(int number) const {
  return storage_->trial(number);
}

std::optional<TrialSnapshot> Study::best() const {
  return storage_->best(options_.direction);
}

int Study::budget_used() {
  std::lock_guard<std::mutex> lock(view_mutex_);
  sync();
  return view_.used;
}

void Study::heartbeat_loop() {
  const auto every = std::chrono::duration<double>(options_.heartbeat_every);
  std::unique_lock<std::mutex> lock(own_mutex_);
  while (!wake_.wait_for(lock, every, [this] { return stopping_; })) {
    std::vector<int> numbers;
    for (const auto& entry : own_) numbers.push_back(entry.first);
    lock.unlock();
    for (int n : numbers) {
      try {
        storage_->heartbeat(n);
      } catch (const std::exception&) {
        // A busy or failing database: the next beat tries again; a trial only goes stale
        // after several missed beats.
      }
    }
    lock.lock();
  }
}

}  // namespace tune
