#pragma once
// What a trial runs: a config in, one objective value out, with a report at each epoch that
// the study may answer with "prune". Objectives never know which strategy chose their config.
// Failure is an exception (its message is kept as the trial's error); a NaN or infinite value is a
// failure too.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

struct TrialContext {
  int number = -1;
  std::string device = "cpu";  // "cpu" or "cuda:N"
  // The study's side of a report: stores one epoch's metrics (an object) and answers whether
  // the trial should go on (the pruner's decision).
  std::function<Decision(const Json& epoch_metrics)> report;
  // Set when the study asks running trials to stop (Ctrl-C twice, timeout).
  const std::atomic<bool>* stop = nullptr;
  // On the CPU, let training measure which intra-op thread count (up to the worker's share) is
  // fastest; false when the user fixed the count (--threads).
  bool tune_threads = false;

  // What objectives call at each epoch end. False once the trial is pruned: the objective
  // should return as soon as it can (its result is then recorded as pruned, whatever it is).
  bool report_epoch(const Json& epoch_metrics) {
    if (report && !pruned_ && report(epoch_metrics) == Decision::Prune) pruned_ = true;
    return !pruned_;
  }
  bool pruned() const { return pruned_; }
  // Pruned, or stopped by the study: end the trial now.
  bool stop_requested() const { return pruned_ || (stop && stop->load()); }

 private:
  bool pruned_ = false;
};

struct ObjectiveResult {
  double value = 0;
  Json summary = Json::object();  // anything worth keeping: stop reason, best epoch, test accuracy
};

// One trial's outcome in a fused group: its result, or (error set) why it failed alone.
struct GroupMemberResult {
  ObjectiveResult result;
  std::string error;  // non-empty: this trial failed; the others of its group may not have
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual ObjectiveResult run(const Json& config, TrialContext& ctx) = 0;

  // Fused groups: several trials trained as one (train/fused/). An objective that can fuse
  // says so, splits a batch of configs for `device` into groups of at most `largest` (indices
  // into `configs`, each exactly once; a config that cannot share a group is a group of one) and
  // runs a group with one context per trial, each reporting its own epochs. run_group returns
  // one result per config, in order; what it throws fails the whole group.
  virtual bool can_fuse() const { return false; }
  virtual std::vector<std::vector<size_t>> fuse_groups(const std::vector<Json>& configs,
                                                       int largest, const std::string& device) {
    (void)largest;
    (void)device;
    std::vector<std::vector<size_t>> alone;
    for (size_t i = 0; i < configs.size(); ++i) alone.push_back({i});
    return alone;
  }
  // What trials on `device` must share to fuse, as a function of a trial's config, so that a
  // strategy can propose batches of one shape; empty when the objective cannot say (the
  // default: batches are drawn as for lone trials and form the groups they happen to form).
  virtual FuseKeyFn fuse_key(const std::string& device) {
    (void)device;
    return {};
  }
  virtual std::vector<GroupMemberResult> run_group(const std::vector<Json>& configs,
                                                   const std::vector<TrialContext*>& contexts);
};

}  // namespace tune
