#pragma once
// A study written as an SQLite file in Optuna's RDB schema (schema version 12, alembic revision
// v3.2.0.a: the schema of Optuna 3.2 through 5.0), so that optuna.load_study, Optuna's
// visualizations and optuna-dashboard open it as one of Optuna's own studies.
//
// How a tune study maps onto Optuna's:
// - Name: the experiment's "name" when the stored experiment has one, else the study
//   directory's base name. One objective, the study's direction.
// - States: complete -> COMPLETE, pruned -> PRUNED, failed -> FAIL, running -> RUNNING. A
//   complete trial without a usable value (never written by tune) becomes FAIL, as Optuna
//   treats such a trial.
// - Values: as Optuna stores them (+-inf as INF_POS / INF_NEG, no value for NaN). A pruned
//   trial keeps its last reported value, as Optuna's own pruned trials do.
// - Params: those the stored experiment's space searches, with their distributions
//   (categoricals stored as the choice's index; choices that are JSON arrays or objects become
//   their JSON text, since Optuna's choices are scalars). A "pow2" int is an IntDistribution
//   over [low, high] with log=true: the values stay the trial's own, on the scale they were
//   drawn on. The experiment's fixed params ("params"; trials do not store them) are the
//   study's user attr "fixed_params"; params a trial holds that the space does not search (a
//   space changed on resume) are that trial's user attr "fixed_params".
// - Intermediate values: the study's objective metric per epoch (step = epoch), as pruners
//   compared it; epochs without a finite value have none.
// - User attrs: device, worker, error (Optuna keeps no fail reason of its own since 3.0), and
//   summary (what the objective returned beside its value) when there is one.
#include <string>
#include <vector>

#include "common/trial.h"
#include "space/space.h"
#include "store/storage.h"

namespace tune {

// What goes into the file.
struct OptunaStudy {
  std::string name;
  Direction direction = Direction::Minimize;
  Space space;
  Json fixed_params = Json::object();     // the experiment's "params" that are not searched
  std::vector<TrialSnapshot> trials;      // by number; metrics are not read
  std::vector<IntermediateValue> values;  // in the order written: a later one for the same
                                          // trial and epoch wins
};

// The study stored in `storage`, which lives in directory `dir`. ConfigError when the stored
// experiment's space does not parse.
OptunaStudy read_optuna_study(Storage& storage, const std::string& dir);

// Writes `study` to a new file `path` in one transaction. ConfigError naming `where` when `path`
// already exists or cannot be written; a half-written file is removed.
void write_optuna_study(const OptunaStudy& study, const std::string& path,
                        const std::string& where);

}  // namespace tune
