#include "cli/study_cli.h"

#include <iostream>

#include "common/error.h"
#include "study/study_dir.h"

namespace tune::cli {

cxxopts::ParseResult parse_options(cxxopts::Options& options, const Args& args) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    cxxopts::ParseResult parsed = options.parse(static_cast<int>(argv.size()), argv.data());
    if (!parsed.unmatched().empty())
      throw ConfigError(args[0], "unexpected argument \"" + parsed.unmatched().front() +
                                     "\"; see `" + args[0] + " --help`");
    return parsed;
  } catch (const cxxopts::exceptions::exception& e) {
    throw ConfigError(args[0], std::string(e.what()) + "; see `" + args[0] + " --help`");
  }
}

std::vector<std::string> take_repeated(Args& args, const std::string& name) {
  const std::string flag = "--" + name, prefix = flag + "=";
  std::vector<std::string> values;
  Args kept;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      if (i + 1 >= args.size()) throw ConfigError(flag, "expects a value");
      values.push_back(args[++i]);
    } else if (args[i].rfind(prefix, 0) == 0) {
      values.push_back(args[i].substr(prefix.size()));
    } else {
      kept.push_back(args[i]);
    }
  }
  args = kept;
  return values;
}

std::string required_study(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (!parsed.count("study")) throw ConfigError(command, "--study DIR is required");
  return parsed["study"].as<std::string>();
}

std::optional<ReadStudy> read_study(const Args& args, const std::string& description) {
  cxxopts::Options options(args[0], description);
  options.add_options()("study", "study directory", cxxopts::value<std::string>())(
      "h,help", "show this help");
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help();
    return std::nullopt;
  }
  ReadStudy out;
  out.dir = required_study(parsed, args[0]);
  out.storage = open_existing_study(out.dir, args[0] + " --study");
  out.direction = study_direction(*out.storage);
  return out;
}

void print_warnings(const Storage& storage) {
  for (const std::string& warning : storage.warnings())
    std::cerr << "tune: warning: " << warning << "\n";
}

}  // namespace tune::cli
