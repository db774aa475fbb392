#include "study/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

namespace tune {

int budget_used(const std::vector<TrialSnapshot>& trials) {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(), [](const TrialSnapshot& t) {
    return t.state != TrialState::Failed;
  }));
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

std::optional<Config> Study::choose(const std::vector<TrialSnapshot>& trials, int number,
                                    AskStatus& status) {
  bool others_running = std::any_of(trials.begin(), trials.end(),
                                    [](const auto& t) { return t.state == TrialState::Running; });
  if (options_.trials && budget_used(trials) >= *options_.trials) {
    status = others_running ? AskStatus::Wait : AskStatus::BudgetSpent;
    return std::nullopt;
  }
  std::optional<Config> params;
  {
    std::lock_guard<std::mutex> lock(strategy_mutex_);
    ProposalContext ctx{space_, trials, number, options_.seed, options_.direction};
    params = strategy_->propose(ctx);
  }
  status =
      params ? AskStatus::Claimed : (others_running ? AskStatus::Wait : AskStatus::StrategyDone);
  return params;
}

AskResult Study::ask(const std::string& device, const std::string& worker) {
  // Frees the budget held by processes that died since the last ask.
  storage_->fail_stale(options_.stale_after);
  AskResult result;
  auto claimed = storage_->claim([&](const std::vector<TrialSnapshot>& trials,
                                     int number) { return choose(trials, number, result.status); },
                                 device, worker);
  if (!claimed) return result;
  {
    std::lock_guard<std::mutex> lock(own_mutex_);
    own_.insert(claimed->number);
  }
  ActiveTrial t;
  t.number = claimed->number;
  t.params = claimed->params;
  t.config = options_.base_params;
  for (const auto& [k, v] : claimed->params.items()) t.config[k] = v;
  t.device = claimed->device;
  t.worker = claimed->worker;
  result.status = AskStatus::Claimed;
  result.trial = std::move(t);
  return result;
}

void Study::report(int number, const Json& epoch_metrics) {
  storage_->report(number, epoch_metrics);
}

bool Study::finish(int number, TrialState state, std::optional<double> value,
                   const std::string& error, const Json& summary) {
  bool won = storage_->finish(number, state, value, error, summary);
  std::lock_guard<std::mutex> lock(own_mutex_);
  own_.erase(number);
  return won;
}

bool Study::tell_complete(int number, double value, const Json& summary) {
  if (!std::isfinite(value))
    return tell_failed(number, "the objective returned " + std::to_string(value), summary);
  return finish(number, TrialState::Complete, value, "", summary);
}

bool Study::tell_failed(int number, const std::string& error, const Json& summary) {
  return finish(number, TrialState::Failed, std::nullopt, error, summary);
}

bool Study::tell_pruned(int number, std::optional<double> value, const Json& summary) {
  if (value && !std::isfinite(*value)) value.reset();
  return finish(number, TrialState::Pruned, value, "", summary);
}

int Study::fail_own_running(const std::string& reason) {
  std::set<int> numbers;
  {
    std::lock_guard<std::mutex> lock(own_mutex_);
    numbers = own_;
  }
  int failed = 0;
  for (int n : numbers) failed += tell_failed(n, reason) ? 1 : 0;
  return failed;
}

std::vector<TrialSnapshot> Study::trials() const {
  return storage_->trials();
}

std::optional<TrialSnapshot> Study::trial(int number) const {
  return storage_->trial(number);
}

std::optional<TrialSnapshot> Study::best() const {
  return best_trial(storage_->trials(), options_.direction);
}

void Study::heartbeat_loop() {
  const auto every = std::chrono::duration<double>(options_.heartbeat_every);
  std::unique_lock<std::mutex> lock(own_mutex_);
  while (!wake_.wait_for(lock, every, [this] { return stopping_; })) {
    std::set<int> numbers = own_;
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
