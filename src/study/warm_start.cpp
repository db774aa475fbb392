#include "study/warm_start.h"

#include <map>

#include "common/error.h"
#include "common/pbt_segment.h"

namespace tune {
namespace {

// One old trial written into the target as a complete trial numbered `number`.
void copy_trial(Storage& target, int number, const TrialSnapshot& trial,
                const std::vector<const StoredEpoch*>& epochs, const Json& origin) {
  ClaimRequest request;
  request.number = number;
  // A stretch of population-based training comes as its config: its member, epochs and parent
  // checkpoint belong to the old study (trial numbers change, checkpoints stay there).
  request.params = without_pbt(trial.params);
  request.device = trial.device;
  request.worker = trial.worker;
  if (target.claim(request).status != ClaimStatus::Claimed)
    throw ConfigError(origin.value("study", ""),
                      "trial " + std::to_string(number) + " of the new study was taken meanwhile");
  for (const StoredEpoch* epoch : epochs) target.report(number, epoch->data, epoch->value);
  Json summary = trial.summary.is_object() ? trial.summary : Json::object();
  summary["warm_start"] = origin;
  target.finish(number, TrialState::Complete, trial.value, "", summary);
}

}  // namespace

bool inside_space(const Space& space, const Config& params) {
  if (!params.is_object()) return false;
  Config active = Json::object();
  for (const Param& p : space.params()) {
    if (!space.is_active(p, active)) continue;
    if (!params.contains(p.name) || !p.contains(params.at(p.name))) return false;
    active[p.name] = params.at(p.name);
  }
  return true;
}

WarmStartResult warm_start(Storage& old_study, Storage& target, const Space& space,
                           const std::string& source, const std::string& target_name,
                           const std::string& where) {
  if (size_t n = target.trials().size(); n > 0)
    throw ConfigError(where, "study " + target_name + " already has " + std::to_string(n) +
                                 " trials; warm-start only a new study");
  StudyRecord old = old_study.dump();
  std::map<int, std::vector<const StoredEpoch*>> epochs;
  for (const StoredEpoch& e : old.epochs) epochs[e.trial].push_back(&e);
  WarmStartResult result;
  for (const TrialSnapshot& t : old.trials) {
    if (t.state != TrialState::Complete) continue;
    ++result.complete;
    if (!t.value || !inside_space(space, t.params)) continue;
    copy_trial(target, result.copied, t, epochs[t.number],
               {{"study", source}, {"trial", t.number}});
    ++result.copied;
  }
  return result;
}

}  // namespace tune
