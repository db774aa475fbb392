#include "run/listeners.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <set>

#include "common/pbt_segment.h"
#include "run/run_loop.h"
#include "strategy/pbt.h"
#include "study/best_file.h"
#include "study/leaderboard.h"
#include "study/study_dir.h"

namespace tune {
namespace {

bool improves(const TrialSnapshot& trial, const std::optional<double>& best, Direction direction) {
  return trial.state == TrialState::Complete && trial.value &&
         (!best || better(*trial.value, *best, direction));
}

}  // namespace

ProgressListener::ProgressListener(Progress& progress, Direction direction,
                                   std::optional<double> best)
    : progress_(progress), direction_(direction), best_(best) {}

void ProgressListener::trial_started(const WorkerSpec& worker, const ActiveTrial& trial) {
  progress_.trial_started(worker.slot, trial.number, trial.device, trial.params);
}

void ProgressListener::epoch(const WorkerSpec& worker, int, const Json& metrics, Decision) {
  progress_.epoch(worker.slot, metrics);
}

void ProgressListener::trial_finished(const WorkerSpec& worker, const TrialSnapshot& trial) {
  std::optional<double> best;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (improves(trial, best_, direction_)) best_ = trial.value;
    best = best_;
  }
  progress_.trial_finished(worker.slot, trial, best);
}

void ProgressListener::message(const std::string& line) {
  progress_.message(line);
}

void ProgressListener::waiting(const WorkerSpec& worker, const std::string& why) {
  progress_.waiting(worker.slot, why);
}

void ProgressListener::run_finished(const RunSummary&) {
  progress_.close();
}

BestFileListener::BestFileListener(Study& study, std::string path)
    : study_(study), path_(std::move(path)) {
  if (auto best = study_.best()) best_ = best->value;
}

void BestFileListener::trial_finished(const WorkerSpec&, const TrialSnapshot& trial) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!improves(trial, best_, study_.direction())) return;
  best_ = trial.value;
  write();
}

void BestFileListener::run_finished(const RunSummary&) {
  std::lock_guard<std::mutex> lock(mutex_);
  write();  // other processes may have improved it since
}

void BestFileListener::write() {
  // Reading the best inside the lock: two workers improving it at once cannot leave the older
  // one in the file.
  auto best = study_.best();
  if (!best) return;
  if (best->value) best_ = best->value;
  try {
    write_json_file(path_,
                    best_trial_json(*best, study_.direction(), study_.options().base_params));
  } catch (const std::exception& e) {
    if (warnings_) warnings_->message(std::string("warning: ") + e.what());
  }
}

BestWeightsListener::BestWeightsListener(Study& study, std::string dir)
    : study_(study), dir_(std::move(dir)) {
  std::optional<TrialSnapshot> best = study_.best();
  if (best) best_ = best->value;
  tidy_after_crash(best);
}

// A run that was killed leaves weights behind: of trials it was training (now failed, or still
// running in another process) and, between a trial's end and this listener's turn, of a
// finished one. The study's best trial, complete, whose file is still there was never made
// best.pt (best.pt holds an earlier trial): it is now. Other finished trials' files go;
// running trials' files stay (their process may be alive).
void BestWeightsListener::tidy_after_crash(const std::optional<TrialSnapshot>& best) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(study_trial_weights_path(dir_, 0)).parent_path();
  std::error_code error;
  if (!fs::is_directory(folder, error)) return;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    int number = -1;
    if (std::sscanf(name.c_str(), "trial-%d.pt", &number) != 1 ||
        name != fs::path(study_trial_weights_path(dir_, number)).filename().string())
      continue;
    std::optional<TrialSnapshot> trial = study_.trial(number);
    if (trial && trial->state == TrialState::Running) continue;
    std::error_code ignored;
    if (best && best->number == number)
      fs::rename(entry.path(), study_best_weights_path(dir_), ignored);
    else
      fs::remove(entry.path(), ignored);
  }
}

void BestWeightsListener::trial_finished(const WorkerSpec&, const TrialSnapshot& trial) {
  namespace fs = std::filesystem;
  const fs::path weights = study_trial_weights_path(dir_, trial.number);
  std::error_code error;
  std::lock_guard<std::mutex> lock(mutex_);
  if (improves(trial, best_, study_.direction())) {
    best_ = trial.value;
    fs::rename(weights, study_best_weights_path(dir_), error);
    if (!error || error == std::errc::no_such_file_or_directory) return;
  }
  fs::remove(weights, error);
}

void BestWeightsListener::run_finished(const RunSummary&) {
  std::error_code ignored;  // kept while other processes' trials still leave files in it
  std::filesystem::remove(std::filesystem::path(study_trial_weights_path(dir_, 0)).parent_path(),
                          ignored);
}

void CheckpointListener::trial_finished(const WorkerSpec&, const TrialSnapshot& trial) {
  if (trial.params.is_object() && trial.params.contains(kPbtKey)) tidy();
}

void CheckpointListener::tidy() {
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(study_checkpoint_path(dir_, 0)).parent_path();
  std::error_code error;
  if (!fs::is_directory(folder, error)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const std::vector<TrialSnapshot> trials = study_.trials();
  std::set<int> keep = pbt_live_checkpoints(trials);
  if (auto best = study_.best()) keep.insert(best->number);
  // A stretch writes its checkpoint before storage records it as finished: only the files of
  // trials this reading already shows finished may go.
  std::set<int> finished;
  for (const TrialSnapshot& t : trials)
    if (t.finished()) finished.insert(t.number);
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    int number = -1;
    if (std::sscanf(name.c_str(), "trial-%d.pt", &number) != 1 ||
        name != fs::path(study_checkpoint_path(dir_, number)).filename().string() ||
        keep.count(number) || !finished.count(number))
      continue;  // not a checkpoint (a temporary file), one still needed, or one just written
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

void LeaderboardListener::run_finished(const RunSummary& summary) {
  out_ << "\n" << format_leaderboard(study_.trials(), study_.direction(), top_);
  out_ << "tune: stopped: " << to_string(summary.reason)
       << (summary.detail.empty() ? "" : " (" + summary.detail + ")") << "\n";
}

}  // namespace tune
