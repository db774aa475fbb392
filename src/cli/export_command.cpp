// tune export --study DIR --format csv|json [--output FILE]: every trial, for analysis.
#include <fstream>
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "study/export.h"
#include "study/study_dir.h"

namespace tune::cli {

int export_command(const Args& args) {
  cxxopts::Options options(args[0], "Writes a study's trials as CSV or JSON.");
  options.add_options()("study", "study directory", cxxopts::value<std::string>())(
      "storage", kStorageHelp, cxxopts::value<std::string>())(
      "format", "csv or json", cxxopts::value<std::string>()->default_value("json"))(
      "output", "file to write (default: stdout)", cxxopts::value<std::string>())("h,help",
                                                                                  "show this help");
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help();
    return 0;
  }
  std::string dir = required_study(parsed, args[0]);
  std::string format = parsed["format"].as<std::string>();
  if (format != "csv" && format != "json")
    throw ConfigError(args[0] + " --format",
                      "unknown format \"" + format + "\"; allowed: csv, json");
  auto storage = open_existing_study(dir, args[0] + " --study", storage_option(parsed));
  TrialQuery query;
  query.with_metrics = true;  // the learning curves are part of an export
  auto trials = storage->trials(query);
  print_warnings(*storage);
  std::string text =
      format == "csv"
          ? trials_to_csv(trials)
          : trials_to_json(trials).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (!parsed.count("output")) {
    std::cout << text;
    return 0;
  }
  std::string path = parsed["output"].as<std::string>();
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw ConfigError(args[0] + " --output", "cannot write \"" + path + "\"");
  std::cerr << "tune: wrote " << trials.size() << " trials to " << path << "\n";
  return 0;
}

}  // namespace tune::cli
