// check_train_experiment: every bad value, name and file of a training experiment is found
// before any trial, and the error names where it was written.
#include "train/check_experiment.h"

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "common/error.h"
#include "common/experiment.h"
#include "data/load.h"

namespace tune {
namespace {

Json base() {
  return {{"name", "t"},
          {"data", {{"dataset", "synthetic"}, {"samples", 100}, {"features", 4}}},
          {"params", {{"layers", 1}, {"units", 8}, {"lr", 0.01}, {"epochs", 2}}},
          {"objective", {{"monitor", "val_accuracy"}}}};
}

Experiment with(const Json& extra, const std::vector<std::string>& sets = {}) {
  Json root = base();
  root.update(extra);
  Experiment e = parse_experiment(root, "t.json");
  for (const auto& s : sets) apply_set(e, s);
  return e;
}

// The message check_train_experiment throws, or "" when it accepts the experiment.
std::string problem(const Experiment& e) {
  try {
    check_train_experiment(e);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(CheckExperiment, AcceptsAGoodExperimentAndItsSpace) {
  EXPECT_EQ(problem(with(Json::object())), "");
  Json space = {
      {"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1.0}, {"log", true}}},
      {"layers", {{"type", "int"}, {"low", 0}, {"high", 3}}},
      {"units_2", {{"type", "int"}, {"low", 4}, {"high", 64}, {"when", {{"layers", {{">=", 3}}}}}}},
      {"activation", {{"type", "categorical"}, {"choices", {"relu", "tanh", "gelu"}}}},
      {"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd", "rmsprop"}}}},
      {"momentum",
       {{"type", "float"},
        {"low", 0.0},
        {"high", 0.9},
        {"when", {{"optimizer", {"sgd", "rmsprop"}}}}}}};
  EXPECT_EQ(problem(with({{"space", space}})), "");
}

TEST(CheckExperiment, FixedParamsGoThroughTheBuilders) {
  EXPECT_TRUE(starts_with(problem(with({{"params", {{"activation", "swish2"}}}})),
                          "t.json: params.activation: unknown value \"swish2\""));
  EXPECT_TRUE(starts_with(problem(with({{"params", {{"lr", -0.1}}}})), "t.json: params.lr"));
  EXPECT_TRUE(starts_with(problem(with({{"params", {{"units", "wide"}}}})),
                          "t.json: params.units: expected an integer"));
  EXPECT_TRUE(
      starts_with(problem(with({{"params", {{"batch_size", 0}}}})), "t.json: params.batch_size"));
  EXPECT_TRUE(starts_with(problem(with({{"params", {{"optimizer", "sgd"}, {"nesterov", true}}}})),
                          "t.json: params.nesterov: needs momentum > 0"));
  EXPECT_TRUE(starts_with(problem(with({{"params", {{"model", "cnn"}, {"kernel_size", 4}}}})),
                          "t.json: params.kernel_size: must be odd"));
}

TEST(CheckExperiment, SetValuesNameTheFlag) {
  EXPECT_TRUE(starts_with(problem(with(Json::object(), {"lr=abc"})),
                          "--set lr: expected a number, got \"abc\""));
  EXPECT_TRUE(starts_with(problem(with(Json::object(), {"bogus=1"})),
                          "--set bogus: unknown key; allowed:"));
}

TEST(CheckExperiment, UnknownNamesAreRefusedListingTheKnownOnes) {
  std::string lrr = problem(with({{"params", {{"lrr", 0.1}}}}));
  EXPECT_TRUE(starts_with(lrr, "t.json: params.lrr: unknown key; allowed:")) << lrr;
  for (const char* known : {"lr", "units", "units_0..units_15", "filters_0..filters_7", "momentum",
                            "batch_size", "epochs"})
    EXPECT_NE(lrr.find(known), std::string::npos) << known << " in " << lrr;
  std::string space =
      problem(with({{"space", {{"lrr", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}}}));
  EXPECT_TRUE(starts_with(space, "t.json: space.lrr: unknown key")) << space;
}

TEST(CheckExperiment, KnownNamesComeFromWhatTheBuildersRead) {
  const auto& names = known_param_names();
  auto has = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  // Conditional names: a layer's width exists for each of the 16 possible layers; optimizer
  // knobs for the optimizer that reads them; the cnn's own knobs.
  for (const char* n : {"model",       "layers",       "units",       "units_0",   "units_15",
                        "activation",  "dropout",      "batch_norm",  "blocks",    "filters_7",
                        "kernel_size", "pool",         "dense_units", "optimizer", "lr",
                        "momentum",    "nesterov",     "beta1",       "beta2",     "alpha",
                        "eps",         "weight_decay", "batch_size",  "epochs",    "seed"})
    EXPECT_TRUE(has(n)) << n;
  // The mlp's per-layer knobs, learned the same way as units_<i>.
  for (const char* n : {"activation_0", "activation_15", "dropout_0", "dropout_15"})
    EXPECT_TRUE(has(n)) << n;
  EXPECT_FALSE(has("units_16"));
  EXPECT_FALSE(has("dropout_16"));
  EXPECT_FALSE(has("filters_8"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(CheckExperiment, EachBoundAndChoiceOfTheSpaceIsBuilt) {
  auto space = [](Json param) { return with({{"space", {{param.at("name"), param.at("spec")}}}}); };
  std::string lr =
      problem(space({{"name", "lr"}, {"spec", {{"type", "float"}, {"low", -0.1}, {"high", 0.1}}}}));
  EXPECT_TRUE(starts_with(lr, "t.json: space.lr.low: must be in")) << lr;
  std::string dropout = problem(
      space({{"name", "dropout"}, {"spec", {{"type", "float"}, {"low", 0.0}, {"high", 0.99}}}}));
  EXPECT_TRUE(starts_with(dropout, "t.json: space.dropout.high")) << dropout;
  std::string act =
      problem(space({{"name", "activation"},
                     {"spec", {{"type", "categorical"}, {"choices", {"relu", "swish2"}}}}}));
  EXPECT_TRUE(starts_with(act, "t.json: space.activation.choices: unknown value \"swish2\""))
      << act;
  std::string layer_act =
      problem(space({{"name", "activation_0"},
                     {"spec", {{"type", "categorical"}, {"choices", {"tanh", "swish2"}}}}}));
  EXPECT_TRUE(starts_with(layer_act, "t.json: space.activation_0.choices: unknown value"))
      << layer_act;
  std::string layer_dropout = problem(
      space({{"name", "dropout_0"}, {"spec", {{"type", "float"}, {"low", 0.2}, {"high", 0.99}}}}));
  EXPECT_TRUE(starts_with(layer_dropout, "t.json: space.dropout_0.high")) << layer_dropout;
  std::string opt =
      problem(space({{"name", "optimizer"},
                     {"spec", {{"type", "categorical"}, {"choices", {"adam", "lbfgs"}}}}}));
  EXPECT_TRUE(starts_with(opt, "t.json: space.optimizer.choices")) << opt;
  EXPECT_EQ(
      problem(space({{"name", "lr_schedule"},
                     {"spec", {{"type", "categorical"}, {"choices", {"constant", "cosine"}}}}})),
      "");
  std::string schedule =
      problem(space({{"name", "lr_schedule"},
                     {"spec", {{"type", "categorical"}, {"choices", {"cosine", "step"}}}}}));
  EXPECT_TRUE(starts_with(schedule, "t.json: space.lr_schedule.choices")) << schedule;
}

TEST(CheckExperiment, ConditionalParamsAreBuiltWithTheirParentsSet) {
  // momentum is read only by sgd: its high bound (1.5) must be checked with optimizer sgd.
  Json space = {
      {"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd"}}}},
      {"momentum",
       {{"type", "float"}, {"low", 0.0}, {"high", 1.5}, {"when", {{"optimizer", "sgd"}}}}}};
  std::string momentum = problem(with({{"space", space}}));
  EXPECT_TRUE(starts_with(momentum, "t.json: space.momentum.high")) << momentum;
  // units_2 exists only with three layers or more.
  Json layers = {
      {"layers", {{"type", "int"}, {"low", 1}, {"high", 3}}},
      {"units_2", {{"type", "int"}, {"low", 0}, {"high", 8}, {"when", {{"layers", {{">=", 3}}}}}}}};
  std::string units = problem(with({{"space", layers}}));
  EXPECT_TRUE(starts_with(units, "t.json: space.units_2.low")) << units;
}

TEST(CheckExperiment, AnErrorCausedByAnotherFieldSaysWhichValue) {
  // nesterov (fixed) needs momentum > 0: the space's low bound 0 breaks it.
  Json e = {{"params", {{"optimizer", "sgd"}, {"nesterov", true}, {"momentum", 0.9}}},
            {"space", {{"momentum", {{"type", "float"}, {"low", 0.0}, {"high", 0.9}}}}}};
  std::string message = problem(with(e));
  EXPECT_TRUE(starts_with(message, "t.json: params.nesterov: needs momentum > 0")) << message;
  EXPECT_NE(message.find("momentum = 0.0 from t.json: space.momentum.low"), std::string::npos)
      << message;
}

TEST(CheckExperiment, HugeModelsCostNothingToCheck) {
  // 16 layers of 65536 units would be 256 GiB of weights: the dry build allocates none.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(problem(with({{"params", {{"layers", 16}, {"units", 65536}}}})), "");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
}

TEST(CheckExperiment, DataIsCheckedWithoutReadingIt) {
  std::string dir =
      problem(with({{"data", {{"dataset", "fashion-mnist"}, {"dir", "/no/such/dir"}}}}));
  EXPECT_TRUE(starts_with(dir, "t.json: data.dir: directory \"/no/such/dir\" does not exist"))
      << dir;
  Experiment flagged = with({{"data", {{"dataset", "fashion-mnist"}}}});
  flagged.data["dir"] = "/no/such/dir";
  flagged.flag_origins["data.dir"] = "--data";
  EXPECT_TRUE(starts_with(problem(flagged), "--data: directory")) << problem(flagged);
  std::string csv = problem(with({{"data", {{"dataset", "csv"}, {"path", "/no/such.csv"}}}}));
  EXPECT_TRUE(starts_with(csv, "t.json: data.path: file \"/no/such.csv\" not found")) << csv;
  std::string key = problem(with({{"data", {{"samplez", 10}}}}));
  EXPECT_TRUE(starts_with(key, "t.json: data.samplez: unknown key")) << key;
  std::string range = problem(with({{"data", {{"classes", 1}}}}));
  EXPECT_TRUE(starts_with(range, "t.json: data.classes")) << range;
}

TEST(CheckExperiment, CallbacksAreChecked) {
  std::string message = problem(with({{"callbacks", {{"early_stoping", {{"patience", 2}}}}}}));
  EXPECT_TRUE(starts_with(message, "t.json: callbacks")) << message;
}

// The configs shipped in configs/ pass the dry check as they are (the Fashion-MNIST files must
// be installed: the check looks for them).
TEST(CheckExperiment, ShippedFashionConfigsAreRunnable) {
  const std::string source = TUNE_SOURCE_DIR;
  Experiment simple = load_experiment(source + "/configs/optuna_pytorch_simple.json");
  EXPECT_EQ(simple.data.at("train_limit"), 3840);
  EXPECT_EQ(simple.data.at("train_subset"), "per_epoch");  // fresh images each epoch, as there
  EXPECT_EQ(simple.data.at("validation_limit"), 1280);
  EXPECT_EQ(simple.data.at("validation_from"), "test");
  EXPECT_EQ(simple.trials, 100);
  EXPECT_EQ(simple.timeout, 600.0);
  EXPECT_EQ(simple.pruner.at("name"), "median");
  std::ifstream images(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
  if (!images) GTEST_SKIP() << "Fashion-MNIST is not installed in " << kFashionMnistDir;
  for (const char* name : {"optuna_pytorch_simple", "fashion_mlp"})
    EXPECT_EQ(problem(load_experiment(source + "/configs/" + name + ".json")), "") << name;
}

// The dry builds run on meta tensors through the thread's dispatch-key state; a trial's data
// loads and trains on the same thread right after (train_objective), so that state must come
// back exactly as it was. (An include guard for Meta left its backend bit behind, since a key
// set's difference keeps backend bits, and every op after it on the thread ran as a meta op.)
TEST(CheckExperiment, DryBuildsLeaveTheThreadsTensorsReal) {
  const auto before = c10::impl::tls_local_dispatch_key_set();
  check_train_params(Hyperparameters({{"layers", 2}, {"units", 16}}, "t"));
  const auto after = c10::impl::tls_local_dispatch_key_set();
  EXPECT_EQ(after.included_, before.included_);
  EXPECT_EQ(after.excluded_, before.excluded_);
  torch::Tensor labels = torch::arange(70000, torch::kLong).to(torch::kFloat).div_(2);
  EXPECT_TRUE(labels.device().is_cpu());
  EXPECT_FALSE(labels.is_meta());
  EXPECT_EQ(labels.max().item<double>(), 34999.5);
}

}  // namespace
}  // namespace tune
