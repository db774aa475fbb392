#include "cli/study_cli.h"

#include "common/error.h"

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

}  // namespace tune::cli
