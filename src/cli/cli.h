#pragma once
// The `tune` command line: `tune [run] ...`, `tune train`, `tune sample`, `tune status`,
// `tune best`, `tune export`, `tune report`, `tune dashboard`, `tune copy`, `tune zoom`. Human
// output goes to stderr, machine output to stdout or files. Every command throws ConfigError for
// bad input; main() prints it on one line and returns 2.
#include <string>
#include <vector>

namespace tune::cli {

int main(int argc, char** argv);

// Each subcommand takes its own arguments (argv[0] is "tune <name>") and returns the exit code.
using Args = std::vector<std::string>;
int run_command(const Args& args);        // tune [run]: a study
int train_command(const Args& args);      // tune train: one config by hand
int sample_command(const Args& args);     // tune sample: configs from a space, no training
int status_command(const Args& args);     // tune status
int best_command(const Args& args);       // tune best
int export_command(const Args& args);     // tune export
int report_command(const Args& args);     // tune report: the study as one HTML page
int dashboard_command(const Args& args);  // tune dashboard: a live web view of a study
int copy_command(const Args& args);       // tune copy: a study into another storage
int zoom_command(const Args& args);       // tune zoom: a space narrowed around the best trials

}  // namespace tune::cli
