#pragma once
// Small studies written straight through Storage, for tests of the commands that read a
// study (tests/support holds headers only).
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/storage.h"
#include "study/study_dir.h"

namespace tune::testing {

// Claims trial `number` (x = `x`), reports two epochs and finishes it complete with `value`.
inline void add_complete_trial(Storage& storage, int number, double x, double value) {
  ClaimRequest request;
  request.number = number;
  request.params = {{"x", x}};
  request.device = "cpu";
  request.worker = "test";
  if (storage.claim(request).status != ClaimStatus::Claimed)
    throw std::runtime_error("trial " + std::to_string(number) + " was not claimed");
  storage.report(number, {{"epoch", 1}, {"loss", value * 2}}, value * 2);
  storage.report(number, {{"epoch", 2}, {"loss", value}}, value);
  storage.finish(number, TrialState::Complete, value, "");
}

// A minimising study in `dir` with `trials` complete trials (numbers 0, 1, ...), left open
// for more.
inline std::unique_ptr<Storage> small_study(const std::string& dir, int trials) {
  auto storage = open_study_dir(dir);
  storage->set_attr(kDirectionAttr, "minimize");
  storage->set_attr(
      kExperimentAttr,
      {{"name", "quadratic"},
       {"space", {{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}}}},
       {"objective", {{"command", {"python3", "-c", "print(1)"}}, {"direction", "minimize"}}}});
  for (int i = 0; i < trials; ++i) add_complete_trial(*storage, i, i * 0.5, (i - 1.0) * (i - 1.0));
  return storage;
}

// Every trial of `storage`, by number, with its per-epoch metrics.
inline std::vector<TrialSnapshot> trials_with_metrics(Storage& storage) {
  TrialQuery query;
  query.with_metrics = true;
  return storage.trials(query);
}

}  // namespace tune::testing
