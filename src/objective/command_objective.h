#pragma once
// Any program as an objective: the "objective" section
//   {"command": ["prog", "--lr", "{lr}"], "direction": "minimize", "timeout": 60}
// runs the program once per trial without a shell. `{name}` in an argument becomes the config's
// value (numbers in full precision, strings raw; `{{` and `}}` stand for literal braces; other
// braces are left as they are). The environment gets TUNE_CONFIG (the whole config as JSON),
// TUNE_TRIAL (the trial's number) and TUNE_DEVICE. The last non-empty line of stdout must be
// a finite number: the trial's value. A non-zero exit, a signal, a timeout or anything else on
// that line fails the trial, with the exit status and the tail of stderr in the error.
#include <optional>
#include <string>
#include <vector>

#include "common/trial.h"
#include "objective/objective.h"

namespace tune {

class CommandObjective : public Objective {
 public:
  // Validates the section; `where` names it in errors ("configs/x.json: objective").
  CommandObjective(const Json& section, const std::string& where);
  // Whether an "objective" section asks for a command (rather than training).
  static bool is_command(const Json& section) {
    return section.is_object() && section.contains("command");
  }

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
// The value on the last non-empty line of `output`, or nullopt when it is not a finite number.
std::optional<double> last_line_value(const std::string& output);

}  // namespace tune
