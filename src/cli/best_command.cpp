// tune best --study DIR: the best trial as JSON on stdout.
#include <iostream>

#include "cli/study_cli.h"
#include "study/best_file.h"
#include "study/study.h"
#include "study/study_dir.h"

namespace tune::cli {

int best_command(const Args& args) {
  cxxopts::Options options(args[0], "Prints a study's best trial as JSON.");
  options.add_options()("study", "study directory", cxxopts::value<std::string>())(
      "h,help", "show this help");
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help();
    return 0;
  }
  std::string dir = required_study(parsed, args[0]);
  auto storage = open_existing_study(dir, args[0] + " --study");
  Direction direction = study_direction(*storage);
  auto best = best_trial(storage->trials(), direction);
  if (!best) {
    std::cerr << "tune: study " << dir << " has no complete trial yet\n";
    return 1;
  }
  Json base = Json::object();
  if (auto experiment = storage->attr(kExperimentAttr);
      experiment && experiment->contains("params") && experiment->at("params").is_object())
    base = experiment->at("params");
  std::cout << best_trial_json(*best, direction, base).dump(2) << "\n";
  return 0;
}

}  // namespace tune::cli
