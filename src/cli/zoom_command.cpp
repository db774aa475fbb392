// tune zoom --study DIR [--top K | --quantile Q] [--margin F] --output NEW.json: a new
// experiment file whose space is narrowed around the study's best trials (study/zoom.h).
#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "study/best_file.h"
#include "study/study_dir.h"
#include "study/zoom.h"

namespace tune::cli {
namespace {

ZoomOptions zoom_options(const std::string& command, const cxxopts::ParseResult& parsed) {
  ZoomOptions options;
  if (parsed.count("top") && parsed.count("quantile"))
    throw ConfigError(command, "give --top K or --quantile Q, not both");
  if (parsed.count("top")) {
    options.top = parsed["top"].as<int>();
    if (*options.top < 1)
      throw ConfigError(command + " --top",
                        "expected a count >= 1, got " + std::to_string(*options.top));
  }
  if (parsed.count("quantile")) {
    options.quantile = parsed["quantile"].as<double>();
    if (!(options.quantile > 0 && options.quantile <= 1))
      throw ConfigError(command + " --quantile",
                        "expected a fraction in (0, 1], got " + Json(options.quantile).dump());
  }
  options.margin = parsed["margin"].as<double>();
  if (!(options.margin >= 0 && std::isfinite(options.margin)))
    throw ConfigError(command + " --margin",
                      "expected a number >= 0, got " + Json(options.margin).dump());
  return options;
}

std::string output_path(const std::string& command, const cxxopts::ParseResult& parsed) {
  if (!parsed.count("output"))
    throw ConfigError(command, "--output NEW.json is required (the new experiment file)");
  std::string path = parsed["output"].as<std::string>();
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    throw ConfigError(command + " --output",
                      "\"" + path + "\" exists; zoom writes a new file only");
  return path;
}

void print_summary(const std::string& dir, const std::string& path, const ZoomResult& zoom) {
  std::cerr << "tune: zoomed " << dir << " around its best " << zoom.top_trials << " trials into "
            << path << "\n";
  for (const ZoomChange& change : zoom.changes)
    std::cerr << "  " << change.name << ": " << change.before << " -> " << change.after << "\n";
}

}  // namespace

int zoom_command(const Args& args) {
  cxxopts::Options options(args[0],
                           "Writes a new experiment file whose space is narrowed around a "
                           "study's best trials.");
  options.add_options()("top", "the best K complete trials", cxxopts::value<int>())(
      "quantile", "the best fraction Q of the complete trials, at least 2 (default: 0.2)",
      cxxopts::value<double>())("margin",
                                "widen each range by F times the top trials' span on each side",
                                cxxopts::value<double>()->default_value("0.1"))(
      "output", "the new experiment file", cxxopts::value<std::string>());
  auto flags = parse_study_flags(options, args);
  if (!flags) return 0;
  const cxxopts::ParseResult& parsed = flags->parsed;
  const ZoomOptions zoom = zoom_options(args[0], parsed);
  const std::string path = output_path(args[0], parsed);
  const std::string where = args[0] + " --study " + flags->dir;
  auto storage = open_existing_study(flags->dir, args[0] + " --study", storage_option(parsed));
  std::optional<Json> experiment = storage->attr(kExperimentAttr);
  if (!experiment || !experiment->is_object())
    throw ConfigError(where, "the study holds no stored experiment (attribute \"" +
                                 std::string(kExperimentAttr) +
                                 "\"); zoom needs a study made by `tune run`");
  auto trials = storage->trials();
  print_warnings(*storage);
  auto top = zoom_top_trials(trials, study_direction(*storage), zoom, where);
  ZoomResult result = zoom_experiment(*experiment, top, zoom.margin, where + ": space");
  write_json_file(path, result.experiment);
  print_summary(flags->dir, path, result);
  return 0;
}

}  // namespace tune::cli
