// Strategies on standard test functions with known optima, through the library (Space +
// Strategy propose loop, in-process objective): median and quartile simple regret after 10, 25,
// 50, 100 evaluations over seeds, the median ask time, and the same functions and seeds under
// Optuna's TPESampler with its defaults (bench/tpe_baseline.py, run through TUNE_PYTHON) side by
// side; then each one's ask time against the number of stored trials.
//
//   bench_strategies [--seeds 10] [--budget 100] [--functions branin,hartmann6,...]
//                    [--strategies random,grid,bayes,tpe] [--jobs 2]
//                    [--bayes-options '{"warp":false}'] [--no-optuna] [--no-ask-time]
//                    [--ask-sizes 50,200,500,1000,10000]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/trial.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace {

using tune::Json;

struct TestFunction {
  std::string name;
  std::vector<std::pair<double, double>> bounds;
  double optimum;
  double (*f)(const std::vector<double>&);
};

double branin(const std::vector<double>& x) {
  const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

double hartmann(const std::vector<double>& x, const double* a, const double* p, size_t d) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  double s = 0;
  for (size_t i = 0; i < 4; ++i) {
    double e = 0;
    for (size_t j = 0; j < d; ++j)
      e += a[i * d + j] * (x[j] - p[i * d + j]) * (x[j] - p[i * d + j]);
    s += alpha[i] * std::exp(-e);
  }
  return -s;
}

double hartmann3(const std::vector<double>& x) {
  static const double a[12] = {3, 10, 30, 0.1, 10, 35, 3, 10, 30, 0.1, 10, 35};
  static const double p[12] = {0.3689, 0.1170, 0.2673, 0.4699, 0.4387, 0.7470,
                               0.1091, 0.8732, 0.5547, 0.0381, 0.5743, 0.8828};
  return hartmann(x, a, p, 3);
}

double hartmann6(const std::vector<double>& x) {
  static const double a[24] = {10, 3,   17,  3.5, 1.7, 8, 0.05, 10, 17,   0.1, 8,   14,
                               3,  3.5, 1.7, 10,  17,  8, 17,   8,  0.05, 10,  0.1, 14};
  static const double p[24] = {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886, 0.2329, 0.4135,
                               0.8307, 0.3736, 0.1004, 0.9991, 0.2348, 0.1451, 0.3522, 0.2883,
                               0.3047, 0.6650, 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381};
  return hartmann(x, a, p, 6);
}

double rosenbrock(const std::vector<double>& x) {
  double s = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i)
    s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  return s;
}

double ackley(const std::vector<double>& x) {
  double sq = 0, cs = 0;
  for (double v : x) {
    sq += v * v;
    cs += std::cos(2 * M_PI * v);
  }
  const double n = static_cast<double>(x.size());
  return -20 * std::exp(-0.2 * std::sqrt(sq / n)) - std::exp(cs / n) + 20 + std::exp(1.0);
}

double styblinski_tang(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v * v * v - 16 * v * v + 5 * v;
  return 0.5 * s;
}

const std::vector<TestFunction>& functions() {
  static const std::vector<TestFunction> all = {
      {"branin", {{-5, 10}, {0, 15}}, 0.397887357729739, branin},
      {"hartmann6", std::vector<std::pair<double, double>>(6, {0, 1}), -3.32236801141551,
       hartmann6},
      {"hartmann3", std::vector<std::pair<double, double>>(3, {0, 1}), -3.86278214782076,
       hartmann3},
      {"rosenbrock4", std::vector<std::pair<double, double>>(4, {-5, 10}), 0.0, rosenbrock},
      {"ackley5", std::vector<std::pair<double, double>>(5, {-32.768, 32.768}), 0.0, ackley},
      {"styblinski4", std::vector<std::pair<double, double>>(4, {-5, 5}), -39.16616570377142 * 4,
       styblinski_tang},
  };
  return all;
}

std::string param_name(size_t i) {
  return "x" + std::to_string(i);
}

Json space_json(const TestFunction& f, int grid_points) {
  Json s = Json::object();
  for (size_t i = 0; i < f.bounds.size(); ++i)
    s[param_name(i)] = {{"type", "float"},
                        {"low", f.bounds[i].first},
                        {"high", f.bounds[i].second},
                        {"grid_points", grid_points}};
  return s;
}

// Grid points per dimension that fit the budget (at least 3), or 0 when no grid fits.
int grid_points_for(const TestFunction& f, int budget) {
  const int k = static_cast<int>(std::floor(std::pow(budget, 1.0 / f.bounds.size()) + 1e-9));
  return k >= 3 ? k : 0;
}

// The function at a config's point, and the config stored as trial `number`, complete.
double evaluate(const TestFunction& f, const tune::Config& c) {
  std::vector<double> x;
  for (size_t d = 0; d < f.bounds.size(); ++d) x.push_back(c.at(param_name(d)).get<double>());
  return f.f(x);
}

void store(std::vector<tune::TrialSnapshot>& history, const tune::Config& c, double y, int number) {
  tune::TrialSnapshot t;
  t.number = number;
  t.state = tune::TrialState::Complete;
  t.params = c;
  t.value = y;
  t.end_time = number + 1;
  history.push_back(std::move(t));
}

struct Run {
  std::vector<double> best_regret;  // after each evaluation
  std::vector<double> ask_seconds;
};

Run run_one(const TestFunction& f, const std::string& strategy, int seed, int budget,
            const Json& bayes_options) {
  const int grid_points = std::max(2, grid_points_for(f, budget));
  const tune::Space space = tune::Space::from_json(space_json(f, grid_points), "bench");
  Json options = Json::object();
  if (strategy == "bayes") {
    options = bayes_options;
    if (!options.contains("threads")) options["threads"] = 1;  // jobs already use the cores
  }
  auto s = tune::make_strategy(strategy, options, "bench.strategy");
  std::vector<tune::TrialSnapshot> history;
  Run run;
  double best = 1e300;
  for (int i = 0; i < budget; ++i) {
    const tune::ProposalContext ctx{space, history, i, static_cast<uint64_t>(seed),
                                    tune::Direction::Minimize};
    const auto start = std::chrono::steady_clock::now();
    const std::optional<tune::Config> c = s->propose(ctx);
    run.ask_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!c) break;  // grid exhausted
    const double y = evaluate(f, *c);
    best = std::min(best, y);
    run.best_regret.push_back(best - f.optimum);
    store(history, *c, y, i);
  }
  return run;
}

// The q-quantile, interpolating between order statistics (q = 0.5: the median).
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(at);
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (at - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

double median(const std::vector<double>& v) {
  return quantile(v, 0.5);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Regret trajectories: key (function, method) -> one trajectory per seed.
using Results = std::map<std::pair<std::string, std::string>, std::vector<std::vector<double>>>;

double regret_at(const std::vector<std::vector<double>>& runs, int evals, double q = 0.5) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (!r.empty()) v.push_back(r[std::min<size_t>(r.size(), static_cast<size_t>(evals)) - 1]);
  return quantile(v, q);
}

// Runs bench/tpe_baseline.py with `args` and hands each JSON line it prints to `take`; false
// when it fails or prints nothing (optuna missing).
bool run_optuna(const std::string& args, const std::function<void(const Json&)>& take) {
  const std::string cmd = std::string("\"") + TUNE_PYTHON + "\" \"" + TUNE_SOURCE_DIR +
                          "/bench/tpe_baseline.py\" " + args;
  std::fprintf(stderr, "running: %s\n", cmd.c_str());
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return false;
  std::string line;
  char buf[1 << 16];
  int count = 0;
  while (std::fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    try {
      take(Json::parse(line));
      ++count;
    } catch (const std::exception&) {
      std::fprintf(stderr, "optuna: %s", line.c_str());
    }
    line.clear();
  }
  const int rc = pclose(pipe);
  return rc == 0 && count > 0;
}

// Optuna's TPESampler (defaults) on the same functions and seeds.
bool run_tpe(const std::string& fns, int seeds, int budget, Results& results) {
  return run_optuna(
      "--functions " + fns + " --seeds " + std::to_string(seeds) + " --budget " +
          std::to_string(budget),
      [&](const Json& j) {
        results[{j.at("function").get<std::string>(), j.at("sampler").get<std::string>()}]
            .push_back(j.at("regret").get<std::vector<double>>());
      });
}

void ask_time_benchmark() {
  // 500 observed trials in 6 dimensions (Hartmann6 at random points), then timed asks each
  // followed by its result, as a growing study would see them. Default options (2 threads).
  const TestFunction& f = functions()[1];
  const tune::Space space = tune::Space::from_json(space_json(f, 2), "bench");
  auto random = tune::make_strategy("random", Json::object(), "bench");
  auto bayes = tune::make_strategy("bayes", Json::object(), "bench");
  std::vector<tune::TrialSnapshot> history;
  auto add = [&](const tune::Config& c, int i) { store(history, c, evaluate(f, c), i); };
  for (int i = 0; i < 500; ++i)
    add(*random->propose({space, history, i, 1, tune::Direction::Minimize}), i);
  std::vector<double> times;
  for (int i = 500; i < 540; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto c = bayes->propose({space, history, i, 1, tune::Direction::Minimize});
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    add(*c, i);
  }
  const double first = times.front();
  std::vector<double> rest(times.begin() + 1, times.end());
  std::sort(rest.begin(), rest.end());
  const size_t over = static_cast<size_t>(
      std::count_if(rest.begin(), rest.end(), [](double t) { return t > 0.1; }));
  std::printf(
      "\nAsk time, 500-539 observed trials, 6 dims (Hartmann6), default options, %u hardware "
      "threads:\n  first ask (cold: full hyperparameter fit) %.0f ms; next %zu asks: median "
      "%.1f ms, 90th percentile %.1f ms, max %.0f ms; %zu over 100 ms (scheduled warm refits)\n",
      std::thread::hardware_concurrency(), 1e3 * first, rest.size(), 1e3 * median(rest),
      1e3 * rest[rest.size() * 9 / 10], 1e3 * rest.back(), over);
}

// A mixed space like a small network's (log and plain ints, a stepped float, a categorical, a
// continuous float, a power of two) and a cheap loss on it, for ask times only; the same space
// and loss are in tpe_baseline.py.
const char* kMixedSpace = R"({"a": {"type": "int", "low": 1, "high": 1000, "log": true},
    "b": {"type": "int", "low": 0, "high": 100}, "c": {"type": "float", "low": 0, "high": 1,
    "step": 0.01}, "d": {"type": "categorical", "choices": ["w", "x", "y", "z"]},
    "e": {"type": "float", "low": 0, "high": 1}, "f": {"type": "pow2", "low": 8, "high": 1024}})";

double mixed_loss(const tune::Config& c) {
  return std::abs(std::log10(c["a"].get<double>()) - 1.5) +
         std::abs(c["b"].get<double>() - 30) / 100 + c["c"].get<double>() +
         (c["d"] == "x" ? 0.0 : 0.3) + c["e"].get<double>() +
         std::abs(std::log2(c["f"].get<double>()) - 6) / 10;
}

// Median ask time in ms of strategy `name` after `n` complete trials at random points (Hartmann6,
// or the mixed space), each timed ask's config then stored, as a growing study would see them.
double ask_ms(const std::string& name, int n, int asks, bool mixed) {
  const TestFunction& f = functions()[1];
  const tune::Space space = mixed ? tune::Space::from_json(Json::parse(kMixedSpace), "bench")
                                  : tune::Space::from_json(space_json(f, 2), "bench");
  auto loss = [&](const tune::Config& c) { return mixed ? mixed_loss(c) : evaluate(f, c); };
  auto random = tune::make_strategy("random", Json::object(), "bench");
  auto strategy = tune::make_strategy(name, Json::object(), "bench");
  std::vector<tune::TrialSnapshot> history;
  for (int i = 0; i < n; ++i) {
    const tune::Config c = *random->propose({space, history, i, 1, tune::Direction::Minimize});
    store(history, c, loss(c), i);
  }
  std::vector<double> times;
  for (int i = n; i < n + asks; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto c = strategy->propose({space, history, i, 1, tune::Direction::Minimize});
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    store(history, *c, loss(*c), i);
  }
  return 1e3 * median(times);
}

// Ask time against stored trials for the library's strategies (bayes up to 500 trials: its
// cost grows as n^2..n^3) and Optuna's TPESampler where optuna is installed.
void ask_time_scaling(const std::vector<std::string>& strategies, const std::vector<int>& sizes,
                      bool optuna) {
  std::map<std::string, std::map<int, double>> ms;
  auto asks = [](int n) { return std::max(5, std::min(20, 20000 / n)); };
  for (const std::string& s : strategies) {
    if (s == "grid") continue;
    for (int n : sizes)
      if (s != "bayes" || n <= 500) ms[s][n] = ask_ms(s, n, asks(n), false);
    if (s == "tpe")
      for (int n : sizes) ms["tpe mixed"][n] = ask_ms(s, n, asks(n), true);
  }
  std::string list;
  for (int n : sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
  if (optuna)
    for (const char* space : {"hartmann6", "mixed"})
      run_optuna("--ask-time " + list + " --ask-space " + space, [&](const Json& j) {
        const std::string name =
            std::string("optuna-tpe") + (j.at("space") == "mixed" ? " mixed" : "");
        ms[name][j.at("trials").get<int>()] = j.at("ms").get<double>();
      });
  std::printf(
      "\nAsk time, median ms, by complete trials stored (Hartmann6, 6 dims; \"mixed\": the "
      "6-parameter mixed space; default options, %u hardware threads)\n%-17s",
      std::thread::hardware_concurrency(), "method");
  for (int n : sizes) std::printf(" %9s", ("@" + std::to_string(n)).c_str());
  std::printf("\n");
  auto row = [&](const std::string& name, const std::function<double(int)>& value) {
    std::printf("%-17s", name.c_str());
    for (int n : sizes) {
      const double v = value(n);
      if (std::isnan(v))
        std::printf(" %9s", "-");
      else
        std::printf(" %9.3g", v);
    }
    std::printf("\n");
  };
  auto at = [&](const std::string& name, int n) -> double {
    auto it = ms.find(name);
    if (it == ms.end() || !it->second.count(n)) return NAN;
    return it->second.at(n);
  };
  for (const auto& entry : ms) row(entry.first, [&](int n) { return at(entry.first, n); });
  for (const char* suffix : {"", " mixed"}) {
    const std::string ours = std::string("tpe") + suffix,
                      theirs = "optuna-tpe" + std::string(suffix);
    if (ms.count(ours) && ms.count(theirs))
      row(ours + "/optuna", [&](int n) { return at(ours, n) / at(theirs, n); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 10, budget = 100, jobs = 2;
  std::string fn_list = "branin,hartmann6,hartmann3,rosenbrock4";
  std::string strategy_list = "random,grid,bayes,tpe";
  std::vector<int> ask_sizes = {50, 200, 500, 1000, 10000};
  bool optuna = true, ask_time = true;
  Json bayes_options = Json::object();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seeds")
      seeds = std::atoi(next().c_str());
    else if (a == "--budget")
      budget = std::atoi(next().c_str());
    else if (a == "--functions")
      fn_list = next();
    else if (a == "--strategies")
      strategy_list = next();
    else if (a == "--jobs")
      jobs = std::max(1, std::atoi(next().c_str()));
    else if (a == "--bayes-options")
      bayes_options = Json::parse(next());
    else if (a == "--no-optuna")
      optuna = false;
    else if (a == "--ask-sizes") {
      ask_sizes.clear();
      for (const std::string& n : split(next())) ask_sizes.push_back(std::max(1, std::stoi(n)));
    } else if (a == "--no-ask-time")
      ask_time = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [--seeds N] [--budget N] [--functions a,b] [--strategies a,b] "
                   "[--jobs N] [--bayes-options JSON] [--no-optuna] [--no-ask-time] "
                   "[--ask-sizes 50,200]\nfunctions:",
                   argv[0]);
      for (const auto& f : functions()) std::fprintf(stderr, " %s", f.name.c_str());
      std::fprintf(stderr, "\n");
      return 2;
    }
  }
  std::vector<const TestFunction*> fns;
  for (const std::string& name : split(fn_list)) {
    auto it = std::find_if(functions().begin(), functions().end(),
                           [&](const TestFunction& f) { return f.name == name; });
    if (it == functions().end()) {
      std::fprintf(stderr, "unknown function %s\n", name.c_str());
      return 2;
    }
    fns.push_back(&*it);
  }
  const std::vector<std::string> strategies = split(strategy_list);

  struct Job {
    const TestFunction* f;
    std::string strategy;
    int seed;
  };
  std::vector<Job> todo;
  for (const TestFunction* f : fns)
    for (const std::string& s : strategies) {
      if (s == "grid" && grid_points_for(*f, budget) == 0) continue;
      for (int seed = 0; seed < (s == "grid" ? 1 : seeds); ++seed) todo.push_back({f, s, seed});
    }
  Results results;
  std::map<std::pair<std::string, std::string>, std::vector<double>> ask_times;
  std::mutex mutex;
  std::atomic<size_t> next_job{0};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&]() {
    for (size_t j; (j = next_job++) < todo.size();) {
      const Job& job = todo[j];
      Run r = run_one(*job.f, job.strategy, job.seed, budget, bayes_options);
      std::lock_guard<std::mutex> lock(mutex);
      results[{job.f->name, job.strategy}].push_back(r.best_regret);
      auto& at = ask_times[{job.f->name, job.strategy}];
      at.insert(at.end(), r.ask_seconds.begin(), r.ask_seconds.end());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < jobs; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  std::fprintf(stderr, "library runs: %.0f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  bool have_optuna = false;
  if (optuna) {
    have_optuna = run_tpe(fn_list, seeds, budget, results);
    if (!have_optuna) std::printf("(Optuna TPE baseline unavailable: is optuna installed?)\n");
  }

  std::vector<int> checkpoints;
  for (int c : {10, 25, 50, 100})
    if (c <= budget) checkpoints.push_back(c);
  if (checkpoints.empty() || checkpoints.back() != budget) checkpoints.push_back(budget);
  std::vector<std::string> methods = strategies;
  if (have_optuna) methods.push_back("optuna-tpe");
  std::printf(
      "\nSimple regret over %d seeds, median [lower quartile, upper quartile] (grid: one "
      "deterministic run); optuna-tpe: TPESampler() defaults (multivariate, constant liar)\n",
      seeds);
  std::printf("%-12s %-11s", "function", "method");
  for (int c : checkpoints) std::printf(" %-28s", ("@" + std::to_string(c)).c_str());
  std::printf(" %12s\n", "ask ms (med)");
  for (const TestFunction* f : fns)
    for (const std::string& m : methods) {
      auto it = results.find({f->name, m});
      if (it == results.end()) continue;
      std::printf("%-12s %-11s", f->name.c_str(), m.c_str());
      for (int c : checkpoints) {
        char cell[64];
        std::snprintf(cell, sizeof cell, "%.4g [%.3g, %.3g]", regret_at(it->second, c),
                      regret_at(it->second, c, 0.25), regret_at(it->second, c, 0.75));
        std::printf(" %-28s", cell);
      }
      auto at = ask_times.find({f->name, m});
      if (at != ask_times.end())
        std::printf(" %12.2f\n", 1e3 * median(at->second));
      else
        std::printf(" %12s\n", "-");
    }
  // Median regret ratios: < 1 means the first does better.
  const std::vector<std::pair<std::string, std::string>> ratios = {
      {"optuna-tpe", "bayes"}, {"tpe", "optuna-tpe"}, {"tpe", "random"}};
  std::printf("\nMedian regret ratios (< 1: the first is better)\n%-12s %-22s", "function",
              "ratio");
  for (int c : checkpoints) std::printf(" %10s", ("@" + std::to_string(c)).c_str());
  std::printf("\n");
  for (const auto& [a, b] : ratios)
    for (const TestFunction* f : fns) {
      auto ra = results.find({f->name, a}), rb = results.find({f->name, b});
      if (ra == results.end() || rb == results.end()) continue;
      std::printf("%-12s %-22s", f->name.c_str(), (a + " / " + b).c_str());
      for (int c : checkpoints) {
        const double x = regret_at(ra->second, c), y = regret_at(rb->second, c);
        std::printf(" %10.3g", y > 0 ? x / y : INFINITY);
      }
      std::printf("\n");
    }
  if (ask_time) ask_time_scaling(strategies, ask_sizes, optuna);
  if (ask_time && std::find(strategies.begin(), strategies.end(), "bayes") != strategies.end())
    ask_time_benchmark();
  return 0;
}
