#include "study/leaderboard.h"

#include <cstdio>

#include "run/progress.h"
#include "study/study.h"

namespace tune {

std::string format_leaderboard(const std::vector<TrialSnapshot>& trials, Direction direction,
                               size_t top) {
  auto order = ranked(trials, direction);
  int pruned = 0, failed = 0;
  for (const auto& t : trials) {
    pruned += t.state == TrialState::Pruned ? 1 : 0;
    failed += t.state == TrialState::Failed ? 1 : 0;
  }
  const std::string others =
      " (" + std::to_string(pruned) + " pruned, " + std::to_string(failed) + " failed)";
  if (order.empty()) return "no complete trials" + others + "\n";
  std::string out = "leaderboard (" + std::string(to_string(direction)) + "), top " +
                    std::to_string(std::min(top, order.size())) + " of " +
                    std::to_string(order.size()) + " complete" + others + ":\n";
  char line[96];
  std::snprintf(line, sizeof line, "  %4s %6s %12s %8s  %s\n", "rank", "trial", "value", "time",
                "config");
  out += line;
  for (size_t i = 0; i < order.size() && i < top; ++i) {
    const TrialSnapshot& t = order[i];
    std::snprintf(line, sizeof line, "  %4zu %6d %12.6g %8s  ", i + 1, t.number, *t.value,
                  Progress::format_duration(t.end_time - t.start_time).c_str());
    out += line + Progress::short_config(t.params, 70) + "\n";
  }
  return out;
}

}  // namespace tune
