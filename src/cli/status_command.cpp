// tune status --study DIR: counts by state, the best trial and the time spent.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "cli/study_cli.h"
#include "run/progress.h"
#include "study/study.h"
#include "study/study_dir.h"

namespace tune::cli {
namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// From the first trial's start to the last end (or now while trials run).
double elapsed(const std::vector<TrialSnapshot>& trials) {
  if (trials.empty()) return 0;
  double first = trials.front().start_time, last = first;
  for (const auto& t : trials) {
    first = std::min(first, t.start_time);
    last = std::max(last, t.finished() ? t.end_time : now_seconds());
  }
  return last - first;
}

// "cpu: 4 trials, 2 workers, 3.1 s per trial" for each device trials ran on.
void print_devices(const std::vector<TrialSnapshot>& trials) {
  struct Use {
    int trials = 0, finished = 0;
    double seconds = 0;
    std::set<std::string> workers;
  };
  std::map<std::string, Use> devices;
  for (const auto& t : trials) {
    Use& use = devices[t.device.empty() ? "?" : t.device];
    ++use.trials;
    use.workers.insert(t.worker);
    if (t.finished() && t.end_time > t.start_time) {
      ++use.finished;
      use.seconds += t.end_time - t.start_time;
    }
  }
  for (const auto& [device, use] : devices) {
    std::cout << "  " << device << ": " << use.trials
              << (use.trials == 1 ? " trial, " : " trials, ") << use.workers.size()
              << (use.workers.size() == 1 ? " worker" : " workers");
    if (use.finished > 0)
      std::cout << ", " << Progress::format_duration(use.seconds / use.finished) << " per trial";
    std::cout << "\n";
  }
}

// Finished trials per second of the study's elapsed time ("" when it cannot say).
std::string trials_per_second(const std::vector<TrialSnapshot>& trials, double seconds) {
  const auto finished = std::count_if(trials.begin(), trials.end(),
                                      [](const TrialSnapshot& t) { return t.finished(); });
  if (finished == 0 || seconds <= 0) return "";
  char text[64];
  std::snprintf(text, sizeof text, ", %.3g trials/s", static_cast<double>(finished) / seconds);
  return text;
}

// "fused groups: 3 (size 4 x2, size 3 x1), 11 of 13 trials", from "fused_group" in each
// trial's summary (the run engine writes {"id": its first trial, "size"}).
void print_groups(const std::vector<TrialSnapshot>& trials) {
  std::map<int, int> groups;  // id -> size
  int fused = 0;
  for (const auto& t : trials) {
    auto it = t.summary.find("fused_group");
    if (it == t.summary.end() || !it->is_object()) continue;
    const Json id = it->value("id", Json()), size = it->value("size", Json());
    if (!id.is_number_integer() || !size.is_number_integer()) continue;
    groups[id.get<int>()] = size.get<int>();
    ++fused;
  }
  if (groups.empty()) return;
  std::map<int, int, std::greater<int>> by_size;
  for (const auto& [id, size] : groups) ++by_size[size];
  std::cout << "fused groups: " << groups.size() << " (";
  const char* sep = "";
  for (const auto& [size, n] : by_size) {
    std::cout << sep << "size " << size << " x" << n;
    sep = ", ";
  }
  std::cout << "), " << fused << " of " << trials.size() << " trials\n";
}

}  // namespace

int status_command(const Args& args) {
  auto study = read_study(args, "Shows a study's progress.");
  if (!study) return 0;
  const std::string& dir = study->dir;
  const auto& storage = study->storage;
  Direction direction = study->direction;
  auto trials = storage->trials();
  int counts[4] = {0, 0, 0, 0};
  for (const auto& t : trials) ++counts[static_cast<int>(t.state)];

  auto experiment = storage->attr(kExperimentAttr);
  std::string name = "(unnamed)";
  if (experiment && experiment->contains("name") && experiment->at("name").is_string())
    name = experiment->at("name").get<std::string>();
  std::cout << "study " << dir << ": " << name << ", " << to_string(direction) << "\n";
  std::cout << "trials: " << trials.size();
  if (auto budget = storage->attr(kBudgetAttr); budget && budget->is_number_integer())
    std::cout << " (budget " << budget->get<int>() << ")";
  std::cout << ": " << counts[static_cast<int>(TrialState::Complete)] << " complete, "
            << counts[static_cast<int>(TrialState::Running)] << " running, "
            << counts[static_cast<int>(TrialState::Pruned)] << " pruned, "
            << counts[static_cast<int>(TrialState::Failed)] << " failed\n";
  if (auto best = best_trial(trials, direction))
    std::cout << "best: trial " << best->number << ", value " << *best->value << "  "
              << Progress::short_config(best->params, 80) << "\n";
  else
    std::cout << "best: none yet\n";
  const double seconds = elapsed(trials);
  std::cout << "elapsed: " << Progress::format_duration(seconds)
            << trials_per_second(trials, seconds) << "\n";
  print_groups(trials);
  if (!trials.empty()) {
    std::cout << "devices:\n";
    print_devices(trials);
  }
  print_warnings(*storage);
  return 0;
}

}  // namespace tune::cli
