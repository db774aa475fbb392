// tune best --study DIR: the best trial as JSON on stdout.
#include <iostream>

#include "cli/study_cli.h"
#include "study/best_file.h"
#include "study/study.h"
#include "study/study_dir.h"

namespace tune::cli {

int best_command(const Args& args) {
  auto study = read_study(args, "Prints a study's best trial as JSON.");
  if (!study) return 0;
  const std::string& dir = study->dir;
  const auto& storage = study->storage;
  Direction direction = study->direction;
  auto best = storage->best(direction);
  Json base = Json::object();
  if (auto experiment = storage->attr(kExperimentAttr);
      experiment && experiment->contains("params") && experiment->at("params").is_object())
    base = experiment->at("params");
  print_warnings(*storage);
  if (!best) {
    std::cerr << "tune: study " << dir << " has no complete trial yet\n";
    return 1;
  }
  std::cout << best_trial_json(*best, direction, base).dump(2) << "\n";
  return 0;
}

}  // namespace tune::cli
