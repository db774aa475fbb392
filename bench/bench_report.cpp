// The report at scale (issue 13): a study of N trials with E epochs each over the Fashion-MNIST
// MLP's space (configs/fashion_mlp.json), written through the storage as workers would, then
// the report built from it: the first read, the document, the page and its size; and what one
// dashboard poll costs once a trial more has finished. scripts/bench.sh report then opens the
// page in headless Chromium and times it until every chart has drawn.
//   bench_report [--trials 1000] [--epochs 20] [--workers 8] [--out DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include "common/experiment.h"
#include "common/remove_tree.h"
#include "report/report_data.h"
#include "report/report_page.h"
#include "space/space.h"
#include "study/study_dir.h"

namespace {

using namespace tune;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A made-up but plausible validation accuracy for a config: best near lr 1e-3 and wide layers.
double accuracy(const Config& c, std::mt19937_64& rng) {
  double lr = c.value("lr", 1e-3);
  double units = c.value("units", 128);
  double a = 0.89 - 0.02 * std::pow(std::log10(lr) + 3, 2) - 0.01 * std::log2(512.0 / units);
  return a + std::normal_distribution<double>(0, 0.004)(rng);
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 1000, epochs = 20, workers = 8;
  std::string out = "/tmp/tune-bench-report";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--trials")
      trials = std::stoi(value);
    else if (flag == "--epochs")
      epochs = std::stoi(value);
    else if (flag == "--workers")
      workers = std::stoi(value);
    else if (flag == "--out")
      out = value;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  const Experiment experiment =
      load_experiment(std::string(TUNE_SOURCE_DIR) + "/configs/fashion_mlp.json");
  const Space space = Space::from_json(experiment.space, "fashion_mlp.json: space");
  remove_tree(out);
  const std::string dir = out + "/study";
  auto storage = open_study_dir(dir);
  storage->set_attr(kExperimentAttr, experiment.to_json());
  storage->set_attr(kDirectionAttr, "maximize");

  std::mt19937_64 rng(7);
  auto add_trial = [&](int number) {
    ClaimRequest request;
    request.number = number;
    request.params = space.sample(rng);
    request.device = "cpu";
    request.worker = "bench:1/" + std::to_string(number % workers);
    if (storage->claim(request).status != ClaimStatus::Claimed)
      throw std::runtime_error("claim failed");
    const double final_value = accuracy(request.params, rng);
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const int stop = u < 0.25 ? 1 + number % (epochs / 2) : epochs;  // a quarter pruned early
    double value = 0;
    for (int e = 1; e <= stop; ++e) {
      value = final_value - 0.15 / e;
      storage->report(number, {{"epoch", e}, {"val_accuracy", value}}, value);
    }
    if (u > 0.97)
      storage->finish(number, TrialState::Failed, std::nullopt, "loss is NaN");
    else
      storage->finish(number, stop < epochs ? TrialState::Pruned : TrialState::Complete, value, "");
  };
  auto start = Clock::now();
  for (int n = 0; n < trials; ++n) add_trial(n);
  std::printf("study: %d trials x up to %d epochs written in %.0f ms\n", trials, epochs,
              ms_since(start));

  auto reader = open_existing_study(dir, "bench");
  StudyReport report(*reader, dir);
  start = Clock::now();
  report.refresh();
  const double read_ms = ms_since(start);
  start = Clock::now();
  const Json data = report.data();
  const double data_ms = ms_since(start);
  start = Clock::now();
  const std::string html = report_html(data);
  const double page_ms = ms_since(start);
  std::ofstream(out + "/report.html", std::ios::binary) << html;
  const size_t data_bytes = data.dump().size();
  std::printf("report: first read %.1f ms, document %.1f ms, page %.1f ms\n", read_ms, data_ms,
              page_ms);
  std::printf("report: %.2f MB in all (study data %.2f MB, scripts %.2f MB) -> %s/report.html\n",
              html.size() / 1e6, data_bytes / 1e6, (html.size() - data_bytes) / 1e6, out.c_str());

  add_trial(trials);
  start = Clock::now();
  report.refresh();
  const std::string poll = report.data().dump();
  std::printf("dashboard poll after one more trial: %.1f ms (%.2f MB of JSON)\n", ms_since(start),
              poll.size() / 1e6);
  return 0;
}
