#include "cli/cli.h"

#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <map>

#include "common/error.h"

namespace tune::cli {
namespace {

const std::map<std::string, std::function<int(const Args&)>>& commands() {
  static const std::map<std::string, std::function<int(const Args&)>> table = {
      {"run", run_command},       {"train", train_command},         {"sample", sample_command},
      {"status", status_command}, {"best", best_command},           {"export", export_command},
      {"report", report_command}, {"dashboard", dashboard_command}, {"copy", copy_command},
      {"zoom", zoom_command},
  };
  return table;
}

void print_usage() {
  std::cerr << "usage: tune [run] --config FILE [--strategy grid|random|bayes|tpe] [--trials N]\n"
               "                [--gpus 0,1|all [--per-device K]] [--cpu-workers N] ...\n"
               "       tune train --config FILE [--set name=value ...] [--epochs N] "
               "[--device cpu|cuda:N] [--output FILE]\n"
               "       tune sample --config FILE --n N [--seed S]\n"
               "       tune status|best|export|report --study DIR [--storage URL]\n"
               "       tune dashboard --study DIR [--host 127.0.0.1] [--port 8080] "
               "[--poll-ms 2000]\n"
               "       tune copy --from URL --to URL [--study NAME] [--to-study NAME]\n"
               "       tune zoom --study DIR [--top K | --quantile Q] [--margin F] "
               "--output NEW.json\n"
               "Run `tune COMMAND --help` for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  Args args(argv, argv + argc);
  std::string name = "run";
  if (args.size() > 1 && commands().count(args[1])) {
    name = args[1];
    args.erase(args.begin() + 1);
  } else if (args.size() > 1 && (args[1] == "help" || args[1] == "-h" || args[1] == "--help")) {
    print_usage();
    return 0;
  } else if (args.size() > 1 && args[1].rfind("-", 0) != 0) {
    std::cerr << "tune: error: unknown command \"" << args[1] << "\"; allowed:";
    const char* separator = " ";
    for (const auto& [command, run] : commands()) {
      std::cerr << separator << command;
      separator = ", ";
    }
    std::cerr << "\n";
    return 2;
  }
  args[0] = "tune " + name;
  try {
    return commands().at(name)(args);
  } catch (const ConfigError& e) {
    std::cerr << "tune: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tune: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace tune::cli
