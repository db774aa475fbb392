#pragma once
// Population-based training (Jaderberg et al., 2017), in the asynchronous form Ray Tune uses.
// A population of members trains side by side; every `interval` epochs a member in the bottom
// `quantile` of the population (by its last value) copies the weights and optimizer state of a
// member in the top `quantile` (exploit) and perturbs that member's hyperparameters (explore):
// each mutable one is drawn afresh from the space with probability `resample_probability`, else
// multiplied by one of `factors` (a discrete or categorical one moves to the next value up or
// down instead); the rest of the config (the model's shape, the optimizer) is the donor's.
//
// Each stretch of `interval` epochs is a trial of its own (common/pbt_segment.h): its params
// are the member's config plus "pbt": {member, from_epoch, to_epoch, parent, exploited}, and
// training starts from the parent trial's checkpoint (train/weights_archive.h). So a study
// keeps every config a member ran with and every curve, members wait between stretches without
// holding a worker (more members than workers), and a crash loses at most the running
// stretches. The strategy reads everything from the history, like the others:
// - members start one per trial until `population` have started, each from a random config;
// - then the idle member with the fewest epochs goes on (ties: the lowest member), exploiting
//   when it is in the bottom quantile and a top member with epochs left beats it;
// - a member whose stretch failed is replaced by a top member's copy (or restarts from a new
//   random config while no member has a value); a stretch stopped from outside (Ctrl-C, a
//   timeout) runs again as it was;
// - a member is done at params.epochs; the study when every member is.
// With "explore": "pb2" (Parker-Holder et al., NeurIPS 2020, population-based bandits) a copy's
// numeric mutable parameters come instead from a Gaussian process over (epoch, those parameters
// on the unit cube) fitted to each complete stretch's change in value from its parent's: the
// point of the largest upper confidence bound (mean + 2 sd) at the copy's next stretch, among
// random candidates and the donor's own point, with running stretches as pending points
// (their variance collapsed) so that copies made at once spread out. Categorical ones keep the
// donor's values. Until 4 such stretches exist it explores as "perturb" does.
// Config: "strategy": {"name": "pbt", "population": 8, "interval": 2, "quantile": 0.25,
// "resample_probability": 0.25, "factors": [0.8, 1.2], "mutate": ["lr", "dropout"],
// "explore": "perturb" | "pb2", "seed": 1}.
// "mutate" defaults to every parameter of the space that training can change between epochs
// without changing the weights' shapes (pbt_can_mutate). Needs params.epochs, a training
// objective and no pruner.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "strategy/strategy.h"

namespace tune {

struct PbtOptions {
  int population = 8;
  int interval = 2;
  double quantile = 0.25;
  double resample_probability = 0.25;
  std::vector<double> factors = {0.8, 1.2};
  std::vector<std::string> mutate;  // empty: every mutable parameter of the space
  bool pb2 = false;                 // "explore": "pb2" (else "perturb")
  std::optional<uint64_t> seed;     // overrides the study's seed
  static PbtOptions from_json(const Json& options, const std::string& where);
};

class PbtStrategy : public Strategy {
 public:
  explicit PbtStrategy(PbtOptions options) : options_(std::move(options)) {}
  static std::unique_ptr<Strategy> create(const Json& options, const std::string& where);

  void prepare(const Space& space, const Experiment& experiment) override;
  std::optional<Config> propose(const ProposalContext& ctx) override;
  // Every member trains params.epochs in stretches of `interval`: at most population times
  // ceil(epochs / interval) trials that do not fail (an exploiting member skips stretches).
  std::optional<size_t> capacity(const Space& space) const override;

 private:
  PbtOptions options_;
  int epochs_ = 0;  // params.epochs, from prepare
};

// Whether training can change the parameter `name` between epochs while keeping the weights:
// the optimizer's knobs (lr, weight_decay, momentum, beta1, beta2, alpha, eps), batch_size,
// dropout, activation and their per-layer forms (dropout_1, activation_2, ...).
bool pbt_can_mutate(const std::string& name);

// The trials of a PBT study whose checkpoints may still be read: each member's newest complete
// stretch (where it goes on from, or a donor), the parent of each running stretch, and that of
// each member's newest stretch when it was stopped from outside (it runs again).
std::set<int> pbt_live_checkpoints(const std::vector<TrialSnapshot>& trials);

// The schedule that trial `number` of a PBT study ends: its stretch and those it went on from,
// first to last, each as {"epochs": [from_epoch + 1, to_epoch], "member", "trial", "params"
// (its config, without "pbt")}. Empty when the trial is not a stretch; it stops where a parent
// is missing.
Json pbt_schedule(const std::vector<TrialSnapshot>& trials, int number);

}  // namespace tune
