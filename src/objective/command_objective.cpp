#include "objective/command_objective.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "common/error.h"
#include "common/hparams.h"
#include "objective/subprocess.h"

namespace tune {
namespace {

const std::vector<std::string> kKeys = {"command", "direction", "timeout"};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Walks `arg`, calling `literal` for plain text and `field` for each placeholder name.
template <typename Literal, typename Field>
void scan(const std::string& arg, Literal literal, Field field) {
  size_t i = 0;
  while (i < arg.size()) {
    if (arg.compare(i, 2, "{{") == 0 || arg.compare(i, 2, "}}") == 0) {
      literal(std::string(1, arg[i]));
      i += 2;
      continue;
    }
    if (arg[i] == '{') {
      size_t end = i + 1;
      while (end < arg.size() && name_char(arg[end])) ++end;
      if (end > i + 1 && end < arg.size() && arg[end] == '}') {
        field(arg.substr(i + 1, end - i - 1));
        i = end + 1;
        continue;
      }
    }
    literal(std::string(1, arg[i]));
    ++i;
  }
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string stderr_note(const std::string& err) {
  std::string tail = trim(valid_utf8(err));
  return tail.empty() ? std::string(" (stderr empty)") : "; stderr tail:\n" + tail;
}

std::string failure(const ProcessResult& r, double timeout) {
  if (r.stopped) return "stopped: the study asked running trials to stop";
  if (r.timed_out) return "timed out after " + Json(timeout).dump() + " s";
  if (r.signal) return "killed by signal " + std::to_string(r.signal);
  if (r.exit_code != 0) return "exited with status " + std::to_string(r.exit_code);
  return "";
}

}  // namespace

std::vector<std::string> placeholders(const std::string& arg) {
  std::vector<std::string> names;
  scan(
      arg, [](const std::string&) {}, [&](const std::string& name) { names.push_back(name); });
  return names;
}

std::string argument_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();  // numbers: shortest text that reads back exactly
}

std::string substitute(const std::string& arg, const Json& config, const std::string& where) {
  std::string out;
  scan(
      arg, [&](const std::string& text) { out += text; },
      [&](const std::string& name) {
        if (!config.is_object() || !config.contains(name))
          throw ConfigError(where, "placeholder {" + name + "} in \"" + arg +
                                       "\" has no value in the trial's config");
        out += argument_text(config.at(name));
      });
  return out;
}

std::optional<double> last_line_value(const std::string& output) {
  size_t end = output.size();
  while (end > 0) {
    size_t start = output.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = trim(output.substr(start, end - start));
    if (!line.empty()) {
      char* stop = nullptr;
      double v = std::strtod(line.c_str(), &stop);
      if (stop != line.c_str() + line.size() || !std::isfinite(v)) return std::nullopt;
      return v;
    }
    end = start == 0 ? 0 : start - 1;
  }
  return std::nullopt;
}

CommandObjective::CommandObjective(const Json& section, const std::string& where) : where_(where) {
  if (!section.is_object()) throw ConfigError(where, "expected an object");
  for (const auto& item : section.items())
    if (std::find(kKeys.begin(), kKeys.end(), item.key()) == kKeys.end())
      throw ConfigError(where + "." + item.key(),
                        "unknown key for a command objective; allowed: " + join(kKeys));
  const Json& command = section.contains("command") ? section["command"] : Json();
  if (!command.is_array() || command.empty())
    throw ConfigError(
        where + ".command",
        "expected a non-empty list of strings, e.g. [\"python3\", \"f.py\", \"{x}\"]");
  for (const Json& arg : command) {
    if (!arg.is_string())
      throw ConfigError(where + ".command",
                        "every argument must be a string, got " + describe(arg));
    command_.push_back(arg.get<std::string>());
  }
  if (command_[0].empty()) throw ConfigError(where + ".command", "the program name is empty");
  if (section.contains("direction")) {
    if (!section["direction"].is_string())
      throw ConfigError(where + ".direction", "expected \"minimize\" or \"maximize\"");
    direction_ = direction_from_string(section["direction"], where + ".direction");
  }
  if (section.contains("timeout") && !section["timeout"].is_null()) {
    const Json& t = section["timeout"];
    if (!t.is_number() || !(t.get<double>() > 0))
      throw ConfigError(where + ".timeout", "expected a number of seconds > 0, got " + describe(t));
    timeout_ = t.get<double>();
  }
}

void CommandObjective::check_placeholders(const std::vector<std::string>& names) const {
  for (const std::string& arg : command_)
    for (const std::string& name : placeholders(arg))
      if (std::find(names.begin(), names.end(), name) == names.end())
        throw ConfigError(where_ + ".command",
                          "unknown placeholder {" + name + "} in \"" + arg +
                              "\": not a parameter of the experiment; known: " + join(names) +
                              " (write {{ and }} for braces)");
}

ObjectiveResult CommandObjective::run(const Json& config, TrialContext& ctx) {
  ProcessSpec spec;
  for (const std::string& arg : command_)
    spec.argv.push_back(substitute(arg, config, where_ + ".command"));
  spec.env = {"TUNE_CONFIG=" + config.dump(), "TUNE_TRIAL=" + std::to_string(ctx.number),
              "TUNE_DEVICE=" + ctx.device};
  spec.timeout = timeout_;
  spec.kill_grace = kill_grace_;
  spec.should_stop = [&ctx] { return ctx.stop_requested(); };
  ProcessResult r = run_process(spec);

  std::string why = failure(r, timeout_.value_or(0));
  if (!why.empty()) throw std::runtime_error("command " + why + stderr_note(r.err));
  std::optional<double> value = last_line_value(r.out);
  if (!value) {
    std::string out = trim(valid_utf8(r.out));
    std::string last = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    if (last.size() > 200) last = last.substr(0, 200) + "...";
    throw std::runtime_error("command printed no finite number on its last line of stdout (got \"" +
                             last + "\")" + stderr_note(r.err));
  }
  ObjectiveResult result;
  result.value = *value;
  result.summary = {{"seconds", r.seconds}};
  std::string err = trim(valid_utf8(r.err));
  if (!err.empty()) result.summary["stderr_tail"] = err;
  return result;
}

}  // namespace tune
