#include "objective/command_objective.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "common/error.h"
#include "common/hparams.h"
#include "objective/subprocess.h"

namespace tune {
namespace {

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

bool digits(const char*& p) {
  const char* start = p;
  while (std::isdigit(static_cast<unsigned char>(*p))) ++p;
  return p > start;
}

// A decimal number and nothing else: [+-] digits [. digits] [e [+-] digits], or .digits. Not
// what strtod also takes (hex "0x10", "inf", "nan"): a program printing those is not
// printing its value.
std::optional<double> decimal_number(const std::string& text) {
  const char* p = text.c_str();
  if (*p == '+' || *p == '-') ++p;
  bool whole = digits(p);
  bool fraction = *p == '.' && (++p, digits(p));
  if (!whole && !fraction) return std::nullopt;
  if (*p == 'e' || *p == 'E') {
    ++p;
    if (*p == '+' || *p == '-') ++p;
    if (!digits(p)) return std::nullopt;
  }
  if (*p != '\0') return std::nullopt;
  double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::string stderr_note(const std::string& err) {
  std::string tail = trim(printable(err));
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

std::optional<ReportLine> parse_report_line(const std::string& line) {
  const std::string text = trim(line);
  const std::string prefix = std::string(kReportPrefix) + " ";
  if (text.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  ReportLine out;
  const char* p = text.c_str() + prefix.size();
  char* end = nullptr;
  errno = 0;
  long long epoch = std::strtoll(p, &end, 10);
  if (end == p || errno != 0 || epoch < 1 || epoch > 1000000000 ||
      !std::isspace(static_cast<unsigned char>(*end)))
    return out;
  std::optional<double> value = decimal_number(trim(end));
  if (!value) return out;
  out.valid = true;
  out.epoch = static_cast<int>(epoch);
  out.value = *value;
  return out;
}

std::optional<double> last_line_value(const std::string& output) {
  size_t end = output.size();
  while (end > 0) {
    size_t start = output.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = trim(output.substr(start, end - start));
    if (!line.empty()) return decimal_number(line);
    end = start == 0 ? 0 : start - 1;
  }
  return std::nullopt;
}

CommandObjective::CommandObjective(const ObjectiveSpec& spec, const std::string& where)
    : command_(spec.command), direction_(spec.direction), timeout_(spec.timeout), where_(where) {
  if (!spec.is_command()) throw ConfigError(where + ".command", "a command objective needs one");
}

CommandObjective::CommandObjective(const Json& section, const std::string& where)
    : CommandObjective(ObjectiveSpec::parse(section, where), where) {}

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
  std::optional<double> last_report;
  std::string bad_report;
  spec.on_stdout_line = [&](const std::string& line) {
    auto report = parse_report_line(line);
    if (!report) return;
    if (!report->valid) {
      if (bad_report.empty()) bad_report = line;
      return;
    }
    last_report = report->value;
    ctx.report_epoch({{"epoch", report->epoch}, {"value", report->value}});
  };
  ProcessResult r = run_process(spec);

  if (ctx.pruned()) {  // stopped by us: its partial curve is the result
    ObjectiveResult result;
    result.value = last_report.value_or(std::nan(""));
    result.summary = {{"seconds", r.seconds}};
    return result;
  }
  if (!bad_report.empty())
    throw std::runtime_error("command printed a malformed report line \"" +
                             printable(bad_report.substr(0, 200)) + "\"; expected \"" +
                             kReportPrefix +
                             " <epoch> <value>\" with an integer epoch >= 1 and a finite value");
  std::string why = failure(r, timeout_.value_or(0));
  if (!why.empty()) throw std::runtime_error("command " + why + stderr_note(r.err));
  std::optional<double> value = last_line_value(r.out);
  if (!value) {
    std::string out = trim(printable(r.out));
    std::string last = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    if (last.size() > 200) last = last.substr(0, 200) + "...";
    throw std::runtime_error("command printed no finite number on its last line of stdout (got \"" +
                             last + "\")" + stderr_note(r.err));
  }
  ObjectiveResult result;
  result.value = *value;
  result.summary = {{"seconds", r.seconds}};
  std::string err = trim(printable(r.err));
  if (!err.empty()) result.summary["stderr_tail"] = err;
  return result;
}

}  // namespace tune
