// tune export --study DIR --format csv|json [--output FILE]: every trial, for analysis.
// tune export --study DIR --format optuna --output FILE: the study as an Optuna RDB file.
#include <fstream>
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "study/export.h"
#include "study/optuna_export.h"
#include "study/study_dir.h"

namespace tune::cli {
namespace {

// The study in Optuna's schema, for optuna.load_study and optuna-dashboard: a new file only.
int export_optuna(const std::string& command, const std::string& dir,
                  const cxxopts::ParseResult& parsed) {
  if (!parsed.count("output"))
    throw ConfigError(command + " --output",
                      "--format optuna writes an SQLite file: --output FILE is required");
  const std::string path = parsed["output"].as<std::string>();
  auto storage = open_existing_study(dir, command + " --study", storage_option(parsed));
  OptunaStudy study = read_optuna_study(*storage, dir);
  print_warnings(*storage);
  write_optuna_study(study, path, command + " --output");
  std::cerr << "tune: wrote " << study.trials.size() << " trials to " << path << " (Optuna study \""
            << study.name << "\"; open it with storage=\"sqlite:///" << path << "\")\n";
  return 0;
}

}  // namespace

int export_command(const Args& args) {
  cxxopts::Options options(
      args[0], "Writes a study's trials as CSV or JSON, or the study as an Optuna SQLite file.");
  options.add_options()("format", "csv, json or optuna",
                        cxxopts::value<std::string>()->default_value("json"))(
      "output", "file to write (default: stdout; required for optuna)",
      cxxopts::value<std::string>());
  auto flags = parse_study_flags(options, args);
  if (!flags) return 0;
  const std::string& dir = flags->dir;
  const cxxopts::ParseResult& parsed = flags->parsed;
  std::string format = parsed["format"].as<std::string>();
  if (format != "csv" && format != "json" && format != "optuna")
    throw ConfigError(args[0] + " --format",
                      "unknown format \"" + format + "\"; allowed: csv, json, optuna");
  if (format == "optuna") return export_optuna(args[0], dir, parsed);
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
