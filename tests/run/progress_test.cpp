#include "run/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tune {
namespace {

TEST(Progress, PlainModePrintsFinishedTrialsAndStatus) {
  std::ostringstream out;
  Progress::Options o;
  o.total = 4;
  o.plain_interval = 0;  // a status line at every event
  o.metric = "val_accuracy";
  Progress p(out, 2, o);
  p.trial_started(1, 7, "cuda:0", Json{{"lr", 0.001}});
  p.epoch(1, Json{{"epoch", 3}, {"val_accuracy", 0.875}});
  std::string text = out.str();
  EXPECT_NE(text.find("worker 1: trial 7 [cuda:0] epoch 3 val_accuracy=0.875 | lr=0.001"),
            std::string::npos)
      << text;
  TrialSnapshot t;
  t.number = 7;
  t.state = TrialState::Complete;
  t.value = 0.9;
  t.start_time = 100;
  t.end_time = 165;
  t.device = "cuda:0";
  t.params = Json{{"lr", 0.001}};
  p.trial_finished(1, t, 0.9);
  text = out.str();
  EXPECT_NE(text.find("trial 7 complete val_accuracy=0.9 in 1m05s [cuda:0] | lr=0.001 | best 0.9"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[1/4 trials] best 0.9"), std::string::npos) << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no escape codes when not a terminal";
}

TEST(Progress, InteractiveModeRedrawsTheBlockInPlace) {
  std::ostringstream out;
  Progress::Options o;
  o.interactive = true;
  Progress p(out, 2, o);
  p.message("hello");
  p.message("again");
  std::string text = out.str();
  // The second message first erases the three-line block (status + two workers).
  EXPECT_NE(text.find("\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2Kagain"), std::string::npos);
  p.close();
}

TEST(Progress, AWaitingWorkerSaysWhyOnceInALog) {
  std::ostringstream out;
  Progress::Options o;
  o.plain_interval = 1000;  // no status lines: only what waiting prints itself
  Progress p(out, 1, o);
  const std::string why = "waiting for 1 trial(s) running elsewhere to finish or go stale";
  p.waiting(0, why);
  p.waiting(0, why);
  std::string text = out.str();
  EXPECT_EQ(text, "  worker 0: " + why + "\n");
  p.trial_started(0, 3, "cpu", Json{{"x", 1}});
  p.waiting(0, why);  // a new wait after a trial: said again
  EXPECT_EQ(out.str(), text + text);
}

TEST(Progress, AnErrorIsShownOnOneLineWithoutControlCharacters) {
  std::ostringstream out;
  Progress p(out, 1, Progress::Options{});
  TrialSnapshot t;
  t.number = 2;
  t.state = TrialState::Failed;
  t.error = "command exited with status 1; stderr tail:\nbad\x1b[2J\tline";
  p.trial_finished(0, t, std::nullopt);
  EXPECT_NE(out.str().find("error: command exited with status 1; stderr tail: bad?[2J line\n"),
            std::string::npos)
      << out.str();
}

TEST(Progress, NoEtaOnceNoTrialIsLeftToStart) {
  std::ostringstream out;
  Progress::Options o;
  o.total = 2;
  o.done_before = 1;
  o.plain_interval = 0;
  Progress p(out, 1, o);
  TrialSnapshot t;
  t.number = 1;
  t.state = TrialState::Complete;
  t.value = 1;
  p.trial_finished(0, t, 1.0);
  EXPECT_NE(out.str().find("[2/2 trials]"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("eta"), std::string::npos) << out.str();
}

TEST(Progress, FormatsDurationsAndShortConfigs) {
  EXPECT_EQ(Progress::format_duration(5), "5s");
  EXPECT_EQ(Progress::format_duration(3725), "1h02m");
  Json c = {{"a", 1}, {"b", "x"}, {"c", 0.5}};
  EXPECT_EQ(Progress::short_config(c), "a=1 b=x c=0.5");
  EXPECT_EQ(Progress::short_config(c, 7), "a=1 b=x ...");
  // A stretch of population-based training says its member, epochs and whom it copied first.
  c["pbt"] = {{"member", 3}, {"from_epoch", 4}, {"to_epoch", 6}, {"parent", 11}, {"exploited", 0}};
  EXPECT_EQ(Progress::short_config(c), "[member 3, epochs 5-6, copied member 0] a=1 b=x c=0.5");
  c["pbt"].erase("exploited");
  EXPECT_EQ(Progress::short_config(c, 7), "[member 3, epochs 5-6] a=1 b=x ...");
}

}  // namespace
}  // namespace tune
