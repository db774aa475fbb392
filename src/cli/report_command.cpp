// tune report --study DIR [--output FILE]: the study as one self-contained HTML page.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "report/report_data.h"
#include "report/report_page.h"
#include "study/study_dir.h"

namespace tune::cli {

int report_command(const Args& args) {
  cxxopts::Options options(args[0],
                           "Writes a study as one HTML page that opens from disk with no network: "
                           "history, learning curves, parallel coordinates, slices, parameter "
                           "importance, a timeline of the workers and a table of all trials.");
  options.add_options()("output", "HTML file to write (default: DIR/report.html)",
                        cxxopts::value<std::string>());
  auto flags = parse_study_flags(options, args);
  if (!flags) return 0;
  const std::string& dir = flags->dir;
  const cxxopts::ParseResult& parsed = flags->parsed;
  auto storage = open_existing_study(dir, args[0] + " --study", storage_option(parsed));
  StudyReport report(*storage, dir);
  report.refresh();
  const Json data = report.data();
  print_warnings(*storage);
  const std::string html = report_html(data);

  const std::string path =
      parsed.count("output") ? parsed["output"].as<std::string>() : dir + "/report.html";
  // With --storage the study directory may not exist here yet; one that cannot be made shows
  // as "cannot write" below.
  std::error_code ignored;
  if (!parsed.count("output")) std::filesystem::create_directories(dir, ignored);
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << html;
  out.flush();
  if (!out) throw ConfigError(args[0] + " --output", "cannot write \"" + path + "\"");
  std::cerr << "tune: wrote the report of " << data["trials"].size() << " trials to " << path
            << " (" << (html.size() + 512) / 1024 << " KB); open it in a browser\n";
  return 0;
}

}  // namespace tune::cli
