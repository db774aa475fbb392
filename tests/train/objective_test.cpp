#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.h"
#include "common/experiment.h"
#include "train/train_objective.h"

namespace tune {
namespace {

Experiment experiment(Json extra = Json::object()) {
  Json root = {
      {"name", "t"},
      {"data", {{"dataset", "synthetic"}, {"samples", 400}, {"features", 6}, {"classes", 3}}},
      {"params", {{"units", 16}, {"epochs", 4}, {"lr", 0.01}, {"batch_size", 32}}},
      {"callbacks", {{"early_stopping", {{"patience", 2}}}}},
      {"objective", {{"monitor", "val_accuracy"}}}};
  root.update(extra);
  return parse_experiment(root, "t.json");
}

// A trial context that appends each reported epoch's val_loss to `losses`.
TrialContext recording_val_loss(std::vector<double>& losses) {
  TrialContext ctx;
  ctx.report = [&losses](const Json& m) {
    losses.push_back(m.at("val_loss").get<double>());
    return Decision::Continue;
  };
  return ctx;
}

TEST(TrainObjective, RunsReportsAndSummarises) {
  Experiment e = experiment();
  auto objective = make_train_objective(e);
  TrialContext ctx;
  std::vector<Json> reported;
  ctx.report = [&](const Json& m) {
    reported.push_back(m);
    return Decision::Continue;
  };
  ObjectiveResult r = objective->run(e.trial_config(Json{{"units", 8}}), ctx);
  EXPECT_GT(r.value, 0.9);
  EXPECT_LE(r.value, 1.0);
  EXPECT_EQ(r.summary.at("epochs").get<size_t>(), reported.size());
  EXPECT_TRUE(r.summary.contains("stop_reason"));
  EXPECT_TRUE(r.summary.contains("test_accuracy"));
  ASSERT_FALSE(reported.empty());
  for (const char* key : {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                          "seconds", "samples_per_second"})
    EXPECT_TRUE(reported[0].contains(key)) << key;
  // The value is the best val_accuracy over the reported epochs.
  double best = 0;
  for (const auto& m : reported) best = std::max(best, m.at("val_accuracy").get<double>());
  EXPECT_DOUBLE_EQ(r.value, best);
}

TEST(TrainObjective, LossMonitorMinimises) {
  Experiment e = experiment({{"objective", {{"monitor", "val_loss"}}}});
  std::vector<double> losses;
  TrialContext ctx = recording_val_loss(losses);
  ObjectiveResult r = make_train_objective(e)->run(e.trial_config(Json::object()), ctx);
  EXPECT_DOUBLE_EQ(r.value, *std::min_element(losses.begin(), losses.end()));
}

// "value": "last" scores a trial by its last epoch's monitored value, as Optuna's examples
// return the final accuracy; the default, its best epoch's.
TEST(TrainObjective, ValueLastScoresTheLastEpoch) {
  Json objective = {{"monitor", "val_loss"}, {"value", "last"}};
  Json params = {{"units", 16}, {"epochs", 8}, {"lr", 0.3}, {"batch_size", 16}, {"seed", 1}};
  Json data = {{"dataset", "synthetic"},
               {"samples", 400},
               {"features", 6},
               {"classes", 3},
               {"separation", 0.5}};  // overlapping classes: a loss that moves
  Experiment e = experiment({{"objective", objective},
                             {"callbacks", Json::object()},
                             {"params", params},
                             {"data", data}});
  EXPECT_EQ(e.objective_spec.value, TrialValue::Last);
  std::vector<double> losses;
  TrialContext ctx = recording_val_loss(losses);
  ObjectiveResult last = make_train_objective(e)->run(e.trial_config(Json::object()), ctx);
  ASSERT_EQ(losses.size(), 8u);
  const double best = *std::min_element(losses.begin(), losses.end());
  ASSERT_NE(best, losses.back());  // this run's loss rises again after its best epoch
  EXPECT_DOUBLE_EQ(last.value, losses.back());
  losses.clear();
  objective.erase("value");
  e = experiment({{"objective", objective},
                  {"callbacks", Json::object()},
                  {"params", params},
                  {"data", data}});
  EXPECT_DOUBLE_EQ(make_train_objective(e)->run(e.trial_config(Json::object()), ctx).value, best);
  EXPECT_THROW(experiment({{"objective", {{"value", "mean"}}}}), ConfigError);
}

TEST(TrainObjective, DivergedTrialThrows) {
  Experiment e = experiment();
  TrialContext ctx;
  Json config =
      e.trial_config(Json{{"optimizer", "sgd"}, {"lr", 10.0}, {"momentum", 0.99}, {"units", 256}});
  e.callbacks["divergence"] = Json{{"factor", 2.0}};
  try {
    make_train_objective(e)->run(config, ctx);
    FAIL() << "a diverged trial must throw";
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("diverged"), std::string::npos) << e.what();
  }
}

TEST(TrainObjective, StopRequestEndsTheTrial) {
  Experiment e = experiment();
  std::atomic<bool> stop{false};
  TrialContext ctx;
  ctx.stop = &stop;
  ctx.report = [&](const Json&) {
    stop = true;
    return Decision::Continue;
  };
  ObjectiveResult r = make_train_objective(e)->run(e.trial_config(Json::object()), ctx);
  EXPECT_EQ(r.summary.at("stop_reason"), "stopped");
  EXPECT_EQ(r.summary.at("epochs"), 1);
}

TEST(TrainObjective, BadSectionsAreConfigErrors) {
  EXPECT_THROW(make_train_objective(experiment({{"objective", {{"monitor", "f1"}}}})), ConfigError);
  EXPECT_THROW(make_train_objective(experiment({{"callbacks", {{"nope", 1}}}})), ConfigError);
  Experiment e = experiment();
  TrialContext ctx;
  auto objective = make_train_objective(e);
  EXPECT_THROW(objective->run(e.trial_config(Json{{"model", "rnn"}}), ctx), ConfigError);
  EXPECT_THROW(objective->run(e.trial_config(Json{{"activation", "swish"}}), ctx), ConfigError);
  ctx.device = "cuda:7";
  EXPECT_THROW(objective->run(e.trial_config(Json::object()), ctx), ConfigError);
}

TEST(TrainObjective, ConcurrentTrialsShareOneObjective) {
  Experiment e = experiment();
  auto objective = make_train_objective(e);
  std::vector<double> values(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < values.size(); ++i)
    threads.emplace_back([&, i] {
      TrialContext ctx;
      ctx.number = static_cast<int>(i);
      values[i] = objective->run(e.trial_config(Json{{"seed", i}}), ctx).value;
    });
  for (auto& t : threads) t.join();
  for (double v : values) EXPECT_GT(v, 0.8);
}

TEST(TrainObjective, TrialsWithDropoutRepeatWhetherAloneOrSideBySide) {
  Experiment e = experiment({{"callbacks", Json::object()}});
  auto objective = make_train_objective(e);
  auto run = [&](uint64_t seed) {
    TrialContext ctx;
    Json config = e.trial_config(Json{{"seed", seed}, {"dropout", 0.4}, {"epochs", 3}});
    std::vector<double> losses;
    ctx.report = [&](const Json& m) {
      losses.push_back(m.at("train_loss").get<double>());
      return Decision::Continue;
    };
    objective->run(config, ctx);
    return losses;
  };
  std::vector<double> alone = run(1);
  std::vector<std::vector<double>> side_by_side(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < side_by_side.size(); ++i)
    threads.emplace_back([&, i] { side_by_side[i] = run(i == 1 ? 2 : 1); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(side_by_side[0], alone);  // bit for bit, though another trial drew masks meanwhile
  EXPECT_EQ(side_by_side[2], alone);
  EXPECT_NE(side_by_side[1], alone);  // another seed, other masks and data order
}

[[noreturn]] void throw_out_of_memory() {
  TORCH_CHECK_WITH(OutOfMemoryError, false, "CUDA out of memory. Tried to allocate 2.00 GiB\nmore");
  std::abort();  // not reached
}

TEST(OomRetry, RetriesOnceWithHalfTheBatchSize) {
  std::vector<int64_t> batches;
  Json retried;
  Json out = with_oom_retry(
      Json{{"batch_size", 256}, {"lr", 0.1}}, "cpu",
      [&](const Json& c) {
        batches.push_back(c.at("batch_size").get<int64_t>());
        if (batches.size() == 1) throw_out_of_memory();
        return Json{{"ok", true}, {"lr", c.at("lr")}};
      },
      retried);
  EXPECT_EQ(batches, (std::vector<int64_t>{256, 128}));
  EXPECT_EQ(out.at("lr"), 0.1);
  EXPECT_EQ(retried.at("batch_size"), 256);
  EXPECT_EQ(retried.at("retried_with"), 128);
  EXPECT_EQ(retried.at("error"), "CUDA out of memory. Tried to allocate 2.00 GiB");
}

// How many times with_oom_retry calls a train function that always throws `thrown`; the
// exception must come out as type E.
template <typename E>
int attempts(int64_t batch_size, const std::function<void()>& thrown) {
  int calls = 0;
  Json retried;
  EXPECT_THROW(with_oom_retry(
                   Json{{"batch_size", batch_size}}, "cpu",
                   [&](const Json&) -> Json {
                     ++calls;
                     thrown();
                     return Json();
                   },
                   retried),
               E);
  return calls;
}

TEST(OomRetry, OtherErrorsASecondOomAndBatchOneAreNotRetried) {
  EXPECT_EQ(attempts<c10::OutOfMemoryError>(64, throw_out_of_memory), 2);
  EXPECT_EQ(attempts<c10::OutOfMemoryError>(1, throw_out_of_memory), 1);
  EXPECT_EQ(attempts<std::runtime_error>(64, [] { throw std::runtime_error("bad config"); }), 1);
  EXPECT_EQ(attempts<c10::Error>(64, [] { TORCH_CHECK(false, "shape mismatch"); }), 1);
}

TEST(OomRetry, AllocationFailuresReportedAsPlainErrorsAreRetriedToo) {
  int calls = 0;
  Json retried;
  with_oom_retry(
      Json{{"batch_size", 32}}, "cpu",
      [&](const Json&) -> Json {
        if (++calls == 1)
          TORCH_CHECK(false, "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling cublasCreate");
        return Json::object();
      },
      retried);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(retried.at("retried_with"), 16);
}

}  // namespace
}  // namespace tune
