#include "cli/study_cli.h"

#include <iostream>
#include <optional>

#include "common/error.h"
#include "study/study_dir.h"

namespace tune::cli {
namespace {

cxxopts::ParseResult parse_raw(cxxopts::Options& options, const Args& args) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return options.parse(static_cast<int>(argv.size()), argv.data());
}

// Whether `--name=value` alone parses (the Options can parse any number of times).
bool accepts(cxxopts::Options& options, const std::string& program, const std::string& name,
             const std::string& value) {
  try {
    parse_raw(options, {program, name + "=" + value});
    return true;
  } catch (const cxxopts::exceptions::exception&) {
    return false;
  }
}

// cxxopts says only "Argument 'abc' failed to parse". The flag is found by parsing each one
// alone, and what it takes by the sample values its type accepts.
struct BadValue {
  std::string flag, value;
};

std::optional<BadValue> bad_value(cxxopts::Options& options, const Args& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) continue;
    size_t eq = args[i].find('=');
    BadValue candidate{args[i].substr(0, eq), ""};
    if (eq != std::string::npos)
      candidate.value = args[i].substr(eq + 1);
    else if (i + 1 < args.size())
      candidate.value = args[i + 1];
    else
      continue;
    try {
      parse_raw(options, {args[0], candidate.flag + "=" + candidate.value});
    } catch (const cxxopts::exceptions::incorrect_argument_type&) {
      return candidate;
    } catch (const cxxopts::exceptions::exception&) {
    }
  }
  return std::nullopt;
}

std::string what_it_takes(cxxopts::Options& options, const std::string& program,
                          const BadValue& bad) {
  auto takes = [&](const char* sample) { return accepts(options, program, bad.flag, sample); };
  const bool negative = !bad.value.empty() && bad.value[0] == '-';
  const std::string digits = bad.value.substr(negative ? 1 : 0);
  const bool integer =
      !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  if (takes("true")) return "expected true or false";
  if (takes("1.5")) return "expected a number";
  if (takes("-1")) return integer ? "out of range for an integer" : "expected an integer";
  if (takes("1"))
    return integer && !negative ? "out of range for an integer" : "expected a non-negative integer";
  return "not a valid value";
}

}  // namespace

cxxopts::ParseResult parse_options(cxxopts::Options& options, const Args& args) {
  const std::string help = "; see `" + args[0] + " --help`";
  try {
    cxxopts::ParseResult parsed = parse_raw(options, args);
    if (!parsed.unmatched().empty())
      throw ConfigError(args[0],
                        "unexpected argument \"" + parsed.unmatched().front() + "\"" + help);
    return parsed;
  } catch (const cxxopts::exceptions::incorrect_argument_type& e) {
    std::optional<BadValue> bad = bad_value(options, args);
    if (!bad) throw ConfigError(args[0], std::string(e.what()) + help);
    throw ConfigError(bad->flag,
                      what_it_takes(options, args[0], *bad) + ", got \"" + bad->value + "\"");
  } catch (const cxxopts::exceptions::exception& e) {
    throw ConfigError(args[0], std::string(e.what()) + help);
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

std::string storage_option(const cxxopts::ParseResult& parsed) {
  return parsed.count("storage") ? parsed["storage"].as<std::string>() : "";
}

std::string required_study(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (!parsed.count("study")) throw ConfigError(command, "--study DIR is required");
  return parsed["study"].as<std::string>();
}

std::optional<StudyFlags> parse_study_flags(cxxopts::Options& options, const Args& args) {
  options.add_options()("study", "study directory", cxxopts::value<std::string>())(
      "storage", kStorageHelp, cxxopts::value<std::string>())("h,help", "show this help");
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help();
    return std::nullopt;
  }
  if (!parsed.count("study")) throw ConfigError(args[0], "--study DIR is required");
  std::string dir = parsed["study"].as<std::string>();
  return StudyFlags{std::move(parsed), std::move(dir)};
}

std::optional<ReadStudy> read_study(const Args& args, const std::string& description) {
  cxxopts::Options options(args[0], description);
  auto flags = parse_study_flags(options, args);
  if (!flags) return std::nullopt;
  ReadStudy out;
  out.dir = flags->dir;
  out.storage = open_existing_study(out.dir, args[0] + " --study", storage_option(flags->parsed));
  out.direction = study_direction(*out.storage);
  return out;
}

void print_warnings(const Storage& storage) {
  for (const std::string& warning : storage.warnings())
    std::cerr << "tune: warning: " << warning << "\n";
}

}  // namespace tune::cli
