// The report's document (StudyReport) and its page (report_html): every trial carried over
// with its curve, workers and counts, updates read incrementally, and the data inlined so that
// it parses back unchanged.
#include <gtest/gtest.h>

#include <string>

#include "../store/temp_dir.h"
#include "report/report_data.h"
#include "report/report_page.h"
#include "store/storage.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::TempDir;

const Json kExperiment = {
    {"name", "report-test"},
    {"space",
     {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 0.1}, {"log", true}}},
      {"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd"}}}},
      {"layers", {{"type", "int"}, {"low", 1}, {"high", 3}}}}},
    {"objective", {{"monitor", "val_loss"}}}};

class ReportData : public ::testing::Test {
 protected:
  void SetUp() override {
    storage = open_study_dir(dir.path());
    storage->set_attr(kExperimentAttr, kExperiment);
    storage->set_attr(kDirectionAttr, "minimize");
    storage->set_attr(kBudgetAttr, 10);
  }

  // Claims the next trial on `worker` and reports `curve` (epochs 1, 2, ...).
  int start(const std::string& worker, const Config& params, const std::vector<double>& curve) {
    ClaimRequest request;
    request.number = next++;
    request.params = params;
    request.device = "cpu";
    request.worker = worker;
    auto claimed = storage->claim(request);
    EXPECT_EQ(claimed.status, ClaimStatus::Claimed);
    for (size_t e = 0; e < curve.size(); ++e)
      storage->report(request.number, {{"epoch", e + 1}, {"val_loss", curve[e]}}, curve[e]);
    return request.number;
  }

  TempDir dir;
  std::unique_ptr<Storage> storage;
  int next = 0;
};

Json find_param(const Json& params, const std::string& name) {
  for (const auto& p : params)
    if (p.at("name") == name) return p;
  return Json();
}

Json find_trial(const Json& data, int number) {
  for (const auto& t : data.at("trials"))
    if (t.at("number") == number) return t;
  return Json();
}

TEST_F(ReportData, CarriesEveryTrialWithItsCurveStateAndWorker) {
  const Config a = {{"lr", 0.01}, {"optimizer", "adam"}, {"layers", 2}};
  const Config b = {{"lr", 0.001}, {"optimizer", "sgd"}, {"layers", 1}};
  int t0 = start("host:1/0", a, {0.9, 0.5, 0.3});
  storage->finish(t0, TrialState::Complete, 0.3, "");
  int t1 = start("host:1/1", b, {1.2, 1.1});
  storage->finish(t1, TrialState::Pruned, 1.1, "");
  int t2 = start("host:1/0", b, {});
  storage->finish(t2, TrialState::Failed, std::nullopt, "diverged: loss is NaN");
  int t3 = start("host:1/1", a, {0.8, 0.6});

  StudyReport report(*storage, dir.path());
  report.refresh();
  Json data = report.data();

  EXPECT_EQ(data["study"]["name"], "report-test");
  EXPECT_EQ(data["study"]["direction"], "minimize");
  EXPECT_EQ(data["study"]["metric"], "val_loss");
  EXPECT_EQ(data["study"]["budget"], 10);
  ASSERT_EQ(data["params"].size(), 3u);
  EXPECT_EQ(find_param(data["params"], "lr")["log"], true);
  EXPECT_EQ(find_param(data["params"], "lr")["kind"], "float");
  EXPECT_EQ(find_param(data["params"], "optimizer")["kind"], "categorical");
  EXPECT_EQ(find_param(data["params"], "optimizer")["choices"], Json({"adam", "sgd"}));
  EXPECT_EQ(find_param(data["params"], "layers")["kind"], "int");

  ASSERT_EQ(data["trials"].size(), 4u);
  Json complete = find_trial(data, t0);
  EXPECT_EQ(complete["state"], "complete");
  EXPECT_DOUBLE_EQ(complete["value"].get<double>(), 0.3);
  EXPECT_EQ(complete["params"], a);
  EXPECT_EQ(complete["curve"], Json({{1, 0.9}, {2, 0.5}, {3, 0.3}}));
  EXPECT_FALSE(complete["end"].is_null());
  EXPECT_EQ(find_trial(data, t1)["state"], "pruned");
  EXPECT_EQ(find_trial(data, t1)["curve"].size(), 2u);
  EXPECT_EQ(find_trial(data, t2)["error"], "diverged: loss is NaN");
  EXPECT_TRUE(find_trial(data, t2)["value"].is_null());
  EXPECT_TRUE(find_trial(data, t3)["end"].is_null());
  EXPECT_EQ(data["counts"], Json({{"complete", 1}, {"pruned", 1}, {"failed", 1}, {"running", 1}}));

  // Two workers, in order of appearance; the second runs trial t3 at epoch 2.
  ASSERT_EQ(data["workers"].size(), 2u);
  EXPECT_EQ(data["workers"][0]["worker"], "host:1/0");
  EXPECT_TRUE(data["workers"][0]["trial"].is_null());
  EXPECT_EQ(data["workers"][0]["trials"], 2);
  EXPECT_EQ(data["workers"][1]["trial"], t3);
  EXPECT_EQ(data["workers"][1]["epoch"], 2);
  EXPECT_EQ(data["importance"]["method"], "PED-ANOVA");
  EXPECT_EQ(data["importance"]["trials"], 1);
}

TEST_F(ReportData, RefreshReadsOnlyWhatChanged) {
  const Config a = {{"lr", 0.01}, {"optimizer", "adam"}, {"layers", 2}};
  for (int i = 0; i < 20; ++i)
    storage->finish(start("w", a, {1, 2, 3}), TrialState::Complete, 3, "");
  int running = start("w", a, {5});

  auto reader = open_existing_study(dir.path(), "test");
  StudyReport report(*reader, dir.path());
  report.refresh();
  const int64_t first = reader->rows_read();
  EXPECT_GE(first, 21 + 61);  // every trial row and every epoch row once

  storage->report(running, {{"epoch", 2}, {"val_loss", 4.0}}, 4.0);
  storage->finish(running, TrialState::Complete, 4.0, "");
  report.refresh();
  EXPECT_LE(reader->rows_read() - first, 3) << "a refresh reads the changed rows only";
  Json t = find_trial(report.data(), running);
  EXPECT_EQ(t["state"], "complete");
  EXPECT_EQ(t["curve"], Json({{1, 5.0}, {2, 4.0}}));
  EXPECT_EQ(report.data()["trials"].size(), 21u);
}

TEST_F(ReportData, WithoutARecordedSpaceTheParamsSeenAreShown) {
  storage->set_attr(kExperimentAttr, Json{{"name", "bare"}});
  storage->finish(start("w", {{"units", 32}, {"act", "relu"}}, {}), TrialState::Complete, 1, "");
  storage->finish(start("w", {{"units", 128}, {"act", "tanh"}}, {}), TrialState::Complete, 2, "");
  StudyReport report(*storage, dir.path());
  report.refresh();
  Json params = report.data()["params"];
  ASSERT_EQ(params.size(), 2u);
  Json units = find_param(params, "units");
  EXPECT_EQ(units["kind"], "int");
  EXPECT_EQ(units["low"], 32);
  EXPECT_EQ(units["high"], 128);
  EXPECT_EQ(find_param(params, "act")["kind"], "categorical");
  EXPECT_EQ(find_param(params, "act")["choices"], Json({"relu", "tanh"}));
  EXPECT_EQ(report.data()["study"]["metric"], "val_accuracy");  // the default objective
}

// The document inlined in the page, cut out again the way the page's script reads it.
Json inlined_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"tune-data\">";
  size_t from = html.find(open);
  EXPECT_NE(from, std::string::npos);
  from += open.size();
  size_t to = html.find("</script>", from);
  EXPECT_NE(to, std::string::npos);
  return Json::parse(html.substr(from, to - from));
}

TEST_F(ReportData, ThePageInlinesTheDocumentSoItParsesBackUnchanged) {
  // A config value that would end the script element early if written as is.
  const Config tricky = {{"lr", 0.01}, {"optimizer", "</script><b>x</b>"}, {"layers", 1}};
  storage->finish(start("w", tricky, {0.5}), TrialState::Complete, 0.5, "");
  storage->finish(start("w", {{"lr", 0.02}, {"optimizer", "adam"}, {"layers", 3}}, {0.7, 0.6}),
                  TrialState::Failed, std::nullopt, "a \"quoted\" <error> & more");
  StudyReport report(*storage, dir.path());
  report.refresh();
  Json data = report.data();
  std::string html = report_html(data);

  EXPECT_EQ(inlined_data(html), data);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>tune report: report-test</title>"), std::string::npos);
  // Every placeholder filled; the scripts (data, config, ECharts, ours) each closed once.
  for (const char* hole : {"{{title}}", "{{data}}", "{{echarts}}", "{{script}}", "{{style}}"})
    EXPECT_EQ(html.find(hole), std::string::npos) << hole;
  size_t opened = 0, closed = 0;
  for (size_t at = 0; (at = html.find("<script", at)) != std::string::npos; ++at) ++opened;
  for (size_t at = 0; (at = html.find("</script>", at)) != std::string::npos; ++at) ++closed;
  EXPECT_EQ(opened, 4u);
  EXPECT_EQ(closed, 4u);
  EXPECT_NE(html.find("Apache Software Foundation"), std::string::npos) << "ECharts inlined";
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing loaded from the network";
}

TEST(ReportPage, TheDashboardPagePollsInsteadOfInliningData) {
  std::string html = dashboard_html("studies/x <y>", 1500);
  EXPECT_NE(html.find("<title>tune dashboard: studies/x &lt;y&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("{\"mode\":\"live\",\"poll_ms\":1500}"), std::string::npos);
  EXPECT_NE(html.find("id=\"tune-data\">null</script>"), std::string::npos);
}

}  // namespace
}  // namespace tune
