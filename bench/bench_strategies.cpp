// Strategies on standard test functions with known optima, through the library (Space +
// Strategy propose loop, in-process objective), side by side with Optuna's TPESampler and
// GPSampler on the same functions and seeds (bench/optuna_baseline.py, run through
// TUNE_PYTHON): median and quartile simple regret after 10, 25, 50, 100 evaluations, then each
// method's ask time against the number of stored trials.
//
//   bench_strategies [--seeds 20,optuna-gp=5] [--max-evals 100,optuna-gp=50]
//                    [--functions branin,hartmann6,...]
//                    [--strategies random,grid,bayes,tpe,optuna-tpe,optuna-gp] [--jobs 2]
//                    [--optuna-cache FILE] [--bayes-options '{"warp":false}'] [--no-optuna]
//                    [--no-ask-time] [--ask-sizes 50,200,500,1000,10000]
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
#include <stdexcept>
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
  std::vector<std::pair<double, double>> bounds;  // floats x0, x1, ...; empty for a mixed space
  double optimum;
  double (*f)(const std::vector<double>&);  // on the floats
  const char* mixed_space = nullptr;        // otherwise: a space (JSON) and the loss on it
  double (*loss)(const tune::Config&) = nullptr;
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

double log_rosenbrock(const std::vector<double>& x) {
  return std::log1p(rosenbrock(x));
}

// A small network's validation loss, as a function of its hyperparameters: a log learning rate
// whose best value depends on the optimizer, the width and the depth, with a steep side towards
// divergence (capped at chance level, ln 10); a log-int width trading underfitting against
// overfitting; depth with a best value per activation; stepped dropout and log weight decay
// against an overfitting strength that grows with width and depth; categorical offsets.
const char* kNetSpace = R"({"lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": true},
    "width": {"type": "int", "low": 8, "high": 1024, "log": true},
    "depth": {"type": "int", "low": 1, "high": 8},
    "dropout": {"type": "float", "low": 0.0, "high": 0.7, "step": 0.05},
    "weight_decay": {"type": "float", "low": 1e-7, "high": 1e-1, "log": true},
    "optimizer": {"type": "categorical", "choices": ["sgd", "adam", "rmsprop"]},
    "activation": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]}})";

struct NetChoice {
  const char* name;
  double a, b, c;
};
// Optimizer: best log10 lr at width 64 and depth 3, loss offset, best log10 weight decay.
const NetChoice kNetOptimizers[] = {
    {"sgd", -1.2, 0.06, -4.0}, {"adam", -3.0, 0.0, -5.0}, {"rmsprop", -3.4, 0.025, -4.5}};
// Activation: loss offset, best depth, underfitting factor.
const NetChoice kNetActivations[] = {
    {"relu", 0.0, 3, 1.0}, {"tanh", 0.045, 2, 1.3}, {"gelu", -0.01, 3, 1.0}};

const NetChoice& net_choice(const NetChoice* table, const std::string& name) {
  for (int i = 0; i < 3; ++i)
    if (name == table[i].name) return table[i];
  throw std::invalid_argument("netloss: unknown choice " + name);
}

// The loss without lr and weight decay's terms (those vanish at their best values, which lie
// inside the bounds for every other setting).
double netloss_discrete(double width, double depth, double dropout, const NetChoice& opt,
                        const NetChoice& act) {
  const double k = std::log2(width);
  const double strength = 0.02 + 0.012 * (k - 3) + 0.006 * depth;
  const double dropout_dev = dropout - (0.1 + 0.05 * (k - 3));
  const double capacity = 0.6 * std::exp(-0.8 * (k - 3)) * act.c + 0.004 * (k - 3) * (k - 3);
  return 0.28 + opt.b + act.a + capacity + 0.02 * (depth - act.b) * (depth - act.b) +
         strength * dropout_dev * dropout_dev / 0.04;
}

double netloss(const tune::Config& c) {
  const double width = c["width"].get<double>(), depth = c["depth"].get<double>();
  const double k = std::log2(width), u = std::log10(c["lr"].get<double>());
  const double v = std::log10(c["weight_decay"].get<double>());
  const NetChoice& opt = net_choice(kNetOptimizers, c["optimizer"].get<std::string>());
  const NetChoice& act = net_choice(kNetActivations, c["activation"].get<std::string>());
  const double du = u - (opt.a - 0.12 * (k - 6) - 0.08 * (depth - 3));
  const double lr_term =
      du < 0 ? 0.05 * du * du : 0.2 * du * du + (du > 0.8 ? 3 * (du - 0.8) * (du - 0.8) : 0.0);
  const double strength = 0.02 + 0.012 * (k - 3) + 0.006 * depth;
  const double wd_dev = v - (opt.c + 0.15 * (k - 6));
  const double loss = netloss_discrete(width, depth, c["dropout"].get<double>(), opt, act) +
                      strength * wd_dev * wd_dev / 4 + lr_term;
  return std::min(loss, std::log(10.0));
}

// netloss's minimum: its discrete part over every width, depth, dropout level and choice.
double netloss_optimum() {
  double best = 1e300;
  for (int w = 8; w <= 1024; ++w)
    for (int depth = 1; depth <= 8; ++depth)
      for (int s = 0; s <= 14; ++s)
        for (const NetChoice& o : kNetOptimizers)
          for (const NetChoice& a : kNetActivations)
            best = std::min(best, netloss_discrete(w, depth, 0.05 * s, o, a));
  return best;
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
      {"logrosenbrock4", std::vector<std::pair<double, double>>(4, {-5, 10}), 0.0, log_rosenbrock},
      {"netloss", {}, netloss_optimum(), nullptr, kNetSpace, netloss},
  };
  return all;
}

std::string param_name(size_t i) {
  return "x" + std::to_string(i);
}

Json space_json(const TestFunction& f, int grid_points) {
  if (f.mixed_space) return Json::parse(f.mixed_space);
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
  if (f.bounds.empty()) return 0;
  const int k = static_cast<int>(std::floor(std::pow(budget, 1.0 / f.bounds.size()) + 1e-9));
  return k >= 3 ? k : 0;
}

// The function at a config's point, and the config stored as trial `number`, complete.
double evaluate(const TestFunction& f, const tune::Config& c) {
  if (f.loss) return f.loss(c);
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

// The q-quantile over seeds of the regret after `evals` evaluations; NaN when a run stopped
// earlier (a smaller budget), unless it stopped because the grid ran out.
double regret_at(const std::vector<std::vector<double>>& runs, int evals, double q = 0.5,
                 bool exhausts = false) {
  std::vector<double> v;
  for (const auto& r : runs) {
    if (r.empty()) continue;
    if (r.size() < static_cast<size_t>(evals) && !exhausts) return NAN;
    v.push_back(r[std::min<size_t>(r.size(), static_cast<size_t>(evals)) - 1]);
  }
  return quantile(v, q);
}

// A count for every method, with overrides: "20" or "20,optuna-gp=5".
struct PerMethod {
  int all = 0;
  std::map<std::string, int> only;
  int operator()(const std::string& method) const {
    auto it = only.find(method);
    return it == only.end() ? all : it->second;
  }
  std::string spec() const {
    std::string out = std::to_string(all);
    for (const auto& [m, v] : only) out += "," + m + "=" + std::to_string(v);
    return out;
  }
  static PerMethod parse(const std::string& text, int fallback) {
    PerMethod p{fallback, {}};
    for (const std::string& item : split(text)) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos)
        p.all = std::max(1, std::stoi(item));
      else
        p.only[item.substr(0, eq)] = std::max(1, std::stoi(item.substr(eq + 1)));
    }
    return p;
  }
};

// Runs bench/optuna_baseline.py with `args` and hands each JSON line it prints to `take`; false
// when it fails or prints nothing (optuna missing).
bool run_optuna(const std::string& args, const std::function<void(const Json&)>& take) {
  const std::string cmd = std::string("\"") + TUNE_PYTHON + "\" \"" + TUNE_SOURCE_DIR +
                          "/bench/optuna_baseline.py\" " + args;
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

// Optuna's samplers on the same functions and seeds: their values turned into regret here,
// against the optima above.
bool run_optuna_regret(const std::vector<const TestFunction*>& fns,
                       const std::vector<std::string>& samplers, const PerMethod& seeds,
                       const PerMethod& budgets, int jobs, const std::string& cache,
                       Results& results) {
  std::string fn_list, sampler_list;
  for (const TestFunction* f : fns) fn_list += (fn_list.empty() ? "" : ",") + f->name;
  for (const std::string& s : samplers) sampler_list += (sampler_list.empty() ? "" : ",") + s;
  std::string args = "--functions " + fn_list + " --samplers " + sampler_list + " --seeds " +
                     seeds.spec() + " --max-evals " + budgets.spec() + " --jobs " +
                     std::to_string(jobs);
  if (!cache.empty()) args += " --cache '" + cache + "'";
  return run_optuna(args, [&](const Json& j) {
    const std::string name = j.at("function").get<std::string>();
    auto f = std::find_if(fns.begin(), fns.end(),
                          [&](const TestFunction* t) { return t->name == name; });
    if (f == fns.end()) return;
    std::vector<double> regret;
    double best = 1e300;
    for (double v : j.at("values").get<std::vector<double>>()) {
      best = std::min(best, v);
      regret.push_back(best - (*f)->optimum);
    }
    results[{name, j.at("sampler").get<std::string>()}].push_back(std::move(regret));
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
// and loss are in optuna_baseline.py.
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
void ask_time_scaling(const std::vector<std::string>& strategies, const std::vector<int>& sizes) {
  std::map<std::string, std::map<int, double>> ms;
  auto asks = [](int n) { return std::max(5, std::min(20, 20000 / n)); };
  // A GP's cost grows as n^2..n^3: bayes and optuna-gp up to 500 trials.
  auto sizes_for = [&](const std::string& s) {
    std::vector<int> out;
    for (int n : sizes)
      if ((s != "bayes" && s != "optuna-gp") || n <= 500) out.push_back(n);
    return out;
  };
  std::vector<std::string> optuna;
  for (const std::string& s : strategies) {
    if (s.rfind("optuna-", 0) == 0) optuna.push_back(s);
    if (s == "grid" || s.rfind("optuna-", 0) == 0) continue;
    for (int n : sizes_for(s)) ms[s][n] = ask_ms(s, n, asks(n), false);
    if (s == "tpe" || s == "bayes")
      for (int n : sizes_for(s)) ms[s + " mixed"][n] = ask_ms(s, n, asks(n), true);
  }
  for (const std::string& s : optuna)
    for (const char* space : {"hartmann6", "mixed"}) {
      if (s == "optuna-gp" && std::string(space) == "mixed") continue;  // seconds per ask
      std::string list;
      for (int n : sizes_for(s)) list += (list.empty() ? "" : ",") + std::to_string(n);
      run_optuna("--samplers " + s + " --ask-time " + list + " --ask-space " + space,
                 [&](const Json& j) {
                   const std::string name =
                       s + (j.at("space") == "mixed" ? std::string(" mixed") : std::string());
                   ms[name][j.at("trials").get<int>()] = j.at("ms").get<double>();
                 });
    }
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
  for (const auto& [ours, theirs] : std::vector<std::pair<std::string, std::string>>{
           {"tpe", "optuna-tpe"}, {"tpe mixed", "optuna-tpe mixed"}, {"bayes", "optuna-gp"}})
    if (ms.count(ours) && ms.count(theirs))
      row(ours + "/" + theirs, [&](int n) { return at(ours, n) / at(theirs, n); });
}

}  // namespace

int main(int argc, char** argv) {
  PerMethod seeds{10, {}}, budgets{100, {}};
  int jobs = 2;
  std::string fn_list = "branin,hartmann6,logrosenbrock4,styblinski4,ackley5,netloss";
  std::string strategy_list = "random,grid,bayes,tpe,optuna-tpe,optuna-gp";
  std::string optuna_cache;
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
      seeds = PerMethod::parse(next(), seeds.all);
    else if (a == "--max-evals" || a == "--budget")
      budgets = PerMethod::parse(next(), budgets.all);
    else if (a == "--functions")
      fn_list = next();
    else if (a == "--strategies")
      strategy_list = next();
    else if (a == "--jobs")
      jobs = std::max(1, std::atoi(next().c_str()));
    else if (a == "--optuna-cache")
      optuna_cache = next();
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
                   "usage: %s [--seeds N[,method=N]] [--max-evals N[,method=N]] [--functions a,b] "
                   "[--strategies a,b] [--jobs N] [--optuna-cache FILE] [--bayes-options JSON] "
                   "[--no-optuna] [--no-ask-time] [--ask-sizes 50,200]\nfunctions:",
                   argv[0]);
      for (const auto& f : functions()) std::fprintf(stderr, " %s", f.name.c_str());
      std::fprintf(stderr,
                   "\nstrategies: random grid bayes tpe (the library), optuna-tpe optuna-gp\n");
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
  std::vector<std::string> strategies, library, samplers;
  for (const std::string& s : split(strategy_list)) {
    const bool theirs = s.rfind("optuna-", 0) == 0;
    if (theirs && !optuna) continue;
    strategies.push_back(s);
    (theirs ? samplers : library).push_back(s);
  }

  struct Job {
    const TestFunction* f;
    std::string strategy;
    int seed;
  };
  std::vector<Job> todo;
  for (const TestFunction* f : fns)
    for (const std::string& s : library) {
      if (s == "grid" && grid_points_for(*f, budgets(s)) == 0) continue;
      for (int seed = 0; seed < (s == "grid" ? 1 : seeds(s)); ++seed) todo.push_back({f, s, seed});
    }
  Results results;
  std::map<std::pair<std::string, std::string>, std::vector<double>> ask_times;
  std::mutex mutex;
  std::atomic<size_t> next_job{0};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&]() {
    for (size_t j; (j = next_job++) < todo.size();) {
      const Job& job = todo[j];
      Run r = run_one(*job.f, job.strategy, job.seed, budgets(job.strategy), bayes_options);
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

  if (!samplers.empty() &&
      !run_optuna_regret(fns, samplers, seeds, budgets, jobs, optuna_cache, results))
    std::printf("(Optuna baselines unavailable: is optuna installed?)\n");

  int max_budget = 0;
  for (const std::string& s : strategies) max_budget = std::max(max_budget, budgets(s));
  std::vector<int> checkpoints;
  for (int c : {10, 25, 50, 100})
    if (c <= max_budget) checkpoints.push_back(c);
  if (checkpoints.empty() || checkpoints.back() != max_budget) checkpoints.push_back(max_budget);
  std::printf(
      "\nSimple regret, median [lower quartile, upper quartile] over seeds 0..N-1 (grid: one "
      "deterministic run); optuna-tpe: TPESampler(seed=s), optuna-gp: GPSampler(seed=s), "
      "Optuna 5 defaults\n");
  std::printf("%-15s %-11s %5s", "function", "method", "seeds");
  for (int c : checkpoints) std::printf(" %-28s", ("@" + std::to_string(c)).c_str());
  std::printf(" %12s\n", "ask ms (med)");
  for (const TestFunction* f : fns)
    for (const std::string& m : strategies) {
      auto it = results.find({f->name, m});
      if (it == results.end()) continue;
      std::printf("%-15s %-11s %5zu", f->name.c_str(), m.c_str(), it->second.size());
      for (int c : checkpoints) {
        const bool grid = m == "grid";
        const double med = regret_at(it->second, c, 0.5, grid);
        char cell[64] = "-";
        if (!std::isnan(med))
          std::snprintf(cell, sizeof cell, "%.4g [%.3g, %.3g]", med,
                        regret_at(it->second, c, 0.25, grid), regret_at(it->second, c, 0.75, grid));
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
      {"bayes", "optuna-gp"}, {"bayes", "optuna-tpe"}, {"tpe", "optuna-tpe"}, {"tpe", "random"}};
  std::printf("\nMedian regret ratios (< 1: the first is better)\n%-15s %-22s", "function",
              "ratio");
  for (int c : checkpoints) std::printf(" %10s", ("@" + std::to_string(c)).c_str());
  std::printf("\n");
  for (const auto& [a, b] : ratios)
    for (const TestFunction* f : fns) {
      auto ra = results.find({f->name, a}), rb = results.find({f->name, b});
      if (ra == results.end() || rb == results.end()) continue;
      std::printf("%-15s %-22s", f->name.c_str(), (a + " / " + b).c_str());
      for (int c : checkpoints) {
        const double x = regret_at(ra->second, c), y = regret_at(rb->second, c);
        if (std::isnan(x) || std::isnan(y))
          std::printf(" %10s", "-");
        else
          std::printf(" %10.3g", y > 0 ? x / y : (x > 0 ? INFINITY : 1.0));
      }
      std::printf("\n");
    }
  if (ask_time) ask_time_scaling(strategies, ask_sizes);
  if (ask_time && std::find(strategies.begin(), strategies.end(), "bayes") != strategies.end())
    ask_time_benchmark();
  return 0;
}
