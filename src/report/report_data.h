#pragma once
// What the HTML report and the live dashboard show: one JSON document built from a study's
// storage. `StudyReport` keeps it up to date by reading only what changed (changes_since), so a
// dashboard polling a large study does not re-read it.
//
// The document (the page's script reads exactly this; keep web/report.js in step):
// {
//   "study": {"name", "dir", "direction": "minimize"|"maximize", "metric", "created",
//             "generated" (seconds since the epoch), "budget" (or null)},
//   "params": [{"name", "kind": "int"|"float"|"categorical", "log", "low", "high",
//               "choices"}],          // the searched parameters, from the stored experiment
//   "trials": [{"number", "state", "value" (or null), "params", "start", "end" (or null),
//               "device", "worker", "error", "curve": [[epoch, objective value], ...]}],
//   "importance": {"method", "trials" (complete ones it used), "top_fraction", "min_trials",
//                  "values": [{"param", "importance"}] (most important first)},
//   "workers": [{"worker", "device", "trial" (running trial or null), "epoch" (its last
//                reported epoch, 0 before the first), "trials" (finished by it)}],
//   "counts": {"complete", "pruned", "failed", "running"}
// }
#include <memory>
#include <string>

#include "common/json.h"
#include "store/storage.h"

namespace tune {

class StudyReport {
 public:
  // `storage` must outlive this object; it is only read. `dir` names the study on the page.
  StudyReport(Storage& storage, std::string dir);
  ~StudyReport();
  StudyReport(const StudyReport&) = delete;
  StudyReport& operator=(const StudyReport&) = delete;

  // Reads what changed since the last refresh (everything, the first time).
  void refresh();
  // The document above, from what has been read.
  Json data() const;

 private:
  struct State;
  Storage& storage_;
  std::string dir_;
  std::unique_ptr<State> state_;
};

}  // namespace tune
