#pragma once
// `tune run --warm-start OLD`: seeds a new study with the complete trials of an old one that
// fall inside the new space, so that the strategy starts from what is known.
// - A trial falls inside when every parameter active in the new space (conditions evaluated on
//   the trial's own values) is present and inside its domain; other keys (the old fixed
//   params, parameters the new space dropped) are ignored and kept as stored.
// - Each is written to the target as a complete trial, in the old order, with its params, its
//   value, its per-epoch metrics and their objective values, and its summary plus
//   {"warm_start": {"study": OLD, "trial": N}}. It is not run again. Its times are those of the
//   copy (claim, report and finish write "now"). A stretch of population-based training comes
//   without its "pbt" entry (its parent's number and checkpoint belong to the old study).
// - Only into a study with no trials: ConfigError otherwise.
#include <string>

#include "space/space.h"
#include "store/storage.h"

namespace tune {

struct WarmStartResult {
  int copied = 0;    // trials written into the target
  int complete = 0;  // complete trials of the old study
};

// Whether `params` is a valid config of `space`: every active parameter present and inside
// its domain.
bool inside_space(const Space& space, const Config& params);

// Copies `old_study`'s complete trials that fall inside `space` into `target`, which must
// hold no trial (ConfigError naming `where` and `target_name`). `source` is what each copied
// trial's summary names as its study.
WarmStartResult warm_start(Storage& old_study, Storage& target, const Space& space,
                           const std::string& source, const std::string& target_name,
                           const std::string& where);

}  // namespace tune
