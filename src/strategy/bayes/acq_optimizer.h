#pragma once
// Maximising log Expected Improvement over a (mixed) search space: a large quasi-random
// candidate set plus perturbations of the best observed points, every candidate snapped to a
// valid config (decode -> encode) before it is scored, then local refinement of the best few:
// gradient steps on the continuous coordinates and exact neighbourhood moves on integer, stepped
// and categorical parameters. Last, the winner's parameters are redrawn at random one at a time,
// each kept if the point keeps most of its EI (`explore`). Configs already observed or pending
// are never returned.
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "common/json.h"
#include "strategy/bayes/gp.h"

namespace tune {
class Space;
}

namespace tune::bayes {

using PointSet = std::set<std::vector<double>>;  // encodings of decoded configs

struct AcquisitionSearch {
  size_t candidates = 2000;     // scored snapped candidates (fewer when the model is large)
  double local_fraction = 0.4;  // share of candidates drawn around the incumbents
  size_t local_starts = 5;      // best candidates refined
  int local_iters = 30;         // gradient iterations per refinement
  // Share of the winner's EI that redrawing its parameters may give up (0: off). EI is flat along
  // a parameter the model deems irrelevant, so its value would stay near the incumbent's for
  // good: a noisy objective (a validation accuracy) hides a weak effect, such as dropout's,
  // from 20 trials. A random value there costs little EI and lets later trials see the effect.
  double explore = 0.1;
  uint64_t seed = 0;
  unsigned threads = 1;  // for scoring the candidate set
};

struct Proposal {
  std::vector<double> point;  // encoding of `config`
  Config config;
  double log_ei = 0;
};

// The snapped point: encode(decode(x)).
std::vector<double> snap(const Space& space, const std::vector<double>& x,
                         Config* config = nullptr);

// log EI (minimisation below `best`) of the model at a point.
double log_ei_at(const GaussianProcess& gp, const double* point, double best);

// The best unseen config found, or nullopt when every candidate was already seen.
// `incumbents` are encodings of the best observed points (best first).
std::optional<Proposal> maximize_log_ei(const GaussianProcess& gp, double best, const Space& space,
                                        const PointSet& seen,
                                        const std::vector<std::vector<double>>& incumbents,
                                        const AcquisitionSearch& options);

}  // namespace tune::bayes
