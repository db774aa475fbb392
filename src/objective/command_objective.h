#pragma once
// Any program as an objective: the "objective" section
//   {"command": ["prog", "--lr", "{lr}"], "direction": "minimize", "timeout": 60}
// runs the program once per trial without a shell. `{name}` in an argument becomes the config's
// value (numbers in full precision, strings raw; `{{` and `}}` stand for literal braces; other
// braces are left as they are). The environment gets TUNE_CONFIG (the whole config as JSON),
// TUNE_TRIAL (the trial's number) and TUNE_DEVICE. The last non-empty line of stdout must be
// a finite decimal number (not hex, inf or nan): the trial's value. Lines "tune:report <epoch>
// <value>" before it report the learning curve as it goes (below), so the study can prune the
// trial. A non-zero exit, a signal, a timeout or anything else on that line fails the trial, with
// the exit status and the tail of stderr in the error (control characters from the program's output
// replaced, so that it is safe to print).
#include <optional>
#include <string>
#include <vector>

#include "common/objective_spec.h"
#include "common/trial.h"
#include "objective/objective.h"

namespace tune {

class CommandObjective : public Objective {
 public:
  // `where` names the section in errors ("configs/x.json: objective").
  CommandObjective(const ObjectiveSpec& spec, const std::string& where);
  // Parses and validates an "objective" section first.
  CommandObjective(const Json& section, const std::string& where);

  ObjectiveResult run(const Json& config, TrialContext& ctx) override;

  // ConfigError naming the first placeholder that none of `names` provides (call it with the
  // fixed params' and the space's names before the study starts).
  void check_placeholders(const std::vector<std::string>& names) const;

  Direction direction() const { return direction_; }
  const std::vector<std::string>& command() const { return command_; }
  std::optional<double> timeout() const { return timeout_; }
  // Seconds between SIGTERM and SIGKILL when stopping the program (default 2).
  void set_kill_grace(double seconds) { kill_grace_ = seconds; }

 private:
  std::vector<std::string> command_;
  Direction direction_ = Direction::Minimize;
  std::optional<double> timeout_;
  double kill_grace_ = 2.0;
  std::string where_;
};

// The placeholders of one argument ("--lr={lr}" -> {"lr"}).
std::vector<std::string> placeholders(const std::string& arg);
// `arg` with each placeholder replaced by its value in `config`; ConfigError (naming `where`)
// for a name the config lacks.
std::string substitute(const std::string& arg, const Json& config, const std::string& where);
// A config value as an argument: strings raw, numbers in shortest exact form, others as JSON.
std::string argument_text(const Json& value);
// A program reports an epoch by printing "tune:report <epoch> <value>" on its own line of
// stdout (epoch >= 1, value a finite decimal number): the value is recorded as that epoch's metric
// "value" and given to the study's pruner; when the pruner says stop, the program's process group
// gets SIGTERM (SIGKILL after the grace period) and the trial is recorded as pruned.
inline constexpr const char* kReportPrefix = "tune:report";
struct ReportLine {
  bool valid = false;  // false: it starts with the prefix but is malformed
  int epoch = 0;
  double value = 0;
};
// nullopt for a line that is not a report at all.
std::optional<ReportLine> parse_report_line(const std::string& line);

// The value on the last non-empty line of `output`, or nullopt when it is not a finite decimal
// number.
std::optional<double> last_line_value(const std::string& output);

}  // namespace tune
