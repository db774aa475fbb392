// tune dashboard --study DIR [--host H] [--port P] [--poll-ms MS]: a live web view of a study
// while it runs. Prints the URL on stdout; Ctrl-C (or SIGTERM) stops it and exits 0.
#include <iostream>

#include "cli/study_cli.h"
#include "report/dashboard.h"
#include "run/signals.h"
#include "study/study_dir.h"

namespace tune::cli {

int dashboard_command(const Args& args) {
  const DashboardOptions defaults;
  cxxopts::Options options(args[0], "Serves a live web view of a study while it runs.");
  options.add_options()("host", "address to listen on",
                        cxxopts::value<std::string>()->default_value(defaults.host))(
      "port", "port to listen on (0: any free one)",
      cxxopts::value<int>()->default_value(std::to_string(defaults.port)))(
      "poll-ms", "how often the page refreshes, in milliseconds",
      cxxopts::value<int>()->default_value(std::to_string(defaults.poll_ms)));
  auto flags = parse_study_flags(options, args);
  if (!flags) return 0;
  const std::string& dir = flags->dir;
  const cxxopts::ParseResult& parsed = flags->parsed;
  DashboardOptions chosen;
  chosen.host = parsed["host"].as<std::string>();
  chosen.port = parsed["port"].as<int>();
  chosen.poll_ms = parsed["poll-ms"].as<int>();
  auto storage = open_existing_study(dir, args[0] + " --study", storage_option(parsed));
  Dashboard dashboard(*storage, dir, chosen, args[0]);
  {
    StopOnSignal stop([&dashboard] { dashboard.stop(); });
    std::cout << "tune: dashboard for " << dir << " at " << dashboard.url() << " (Ctrl-C stops)"
              << std::endl;
    dashboard.serve();
  }
  print_warnings(*storage);
  return 0;
}

}  // namespace tune::cli
