#include "train/check_experiment.h"

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

#include <set>

#include "common/error.h"
#include "data/load.h"
#include "models/builders.h"
#include "space/space.h"
#include "train/callbacks.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace tune {
namespace {

// An input every built-in builder takes: a 256x256 image (8 pooled cnn blocks still fit),
// which an mlp flattens. On meta tensors its size is free.
const InputShape kProbeShape = {1, 256, 256};
constexpr int64_t kProbeClasses = 10;

// While alive, tensors made on this thread are meta tensors: shapes without storage. Factory
// functions skip BackendSelect (which would send them to the CPU) and every op then runs its
// Meta kernel, so building a model allocates nothing and initialises nothing. The thread's
// dispatch-key state is saved whole and put back whole: LibTorch 2.11's Include guard instead
// subtracts what it added, and a key set's difference keeps backend bits, so it left Meta's
// behind and every later op on the thread (a trial's data and training) ran as a meta op.
class MetaTensors {
 public:
  MetaTensors()
      : guard_(c10::impl::tls_local_dispatch_key_set().included_ |
                   c10::DispatchKeySet(c10::DispatchKey::Meta),
               c10::impl::tls_local_dispatch_key_set().excluded_ |
                   c10::DispatchKeySet(c10::DispatchKey::BackendSelect)) {}

 private:
  c10::impl::ForceDispatchKeyGuard guard_;
};

// What one dry build of `config` reads; an error ends it early, but what it read up to then
// still counts.
ParamReads reads_of(const Config& config) {
  ParamReads reads;
  Hyperparameters hp(config, "probe");
  hp.record_reads(&reads);
  try {
    check_train_params(hp);
  } catch (const std::exception&) {
  }
  return reads;
}

void merge(ParamReads& into, const ParamReads& from) {
  into.names.insert(from.names.begin(), from.names.end());
  into.booleans.insert(from.booleans.begin(), from.booleans.end());
  for (const auto& [name, max] : from.integer_max) into.integer_max[name] = max;
  for (const auto& [name, allowed] : from.choices) into.choices[name] = allowed;
}

// What `config` reads once every integer it reads is at its maximum and every flag it reads
// is on (more layers read more units_<i>), repeated while that reveals more names.
ParamReads widest_reads(Config config) {
  ParamReads all;
  for (int round = 0; round < 8; ++round) {
    ParamReads reads = reads_of(config);
    const size_t before = config.size();
    for (const auto& [name, max] : reads.integer_max)
      if (!config.contains(name)) config[name] = max;
    for (const auto& name : reads.booleans)
      if (!config.contains(name)) config[name] = true;
    merge(all, reads);
    if (config.size() == before) break;
  }
  return all;
}

// Widest reads from the defaults, then from each value of each choice found on the way (each
// model, each optimizer, each pooling of a cnn), each value tried once.
std::vector<std::string> explore_param_names() {
  std::set<std::string> known, tried;
  std::vector<Config> todo = {Json::object()};
  while (!todo.empty()) {
    Config config = std::move(todo.back());
    todo.pop_back();
    ParamReads reads = widest_reads(config);
    known.insert(reads.names.begin(), reads.names.end());
    for (const auto& [name, values] : reads.choices)
      for (const auto& value : values)
        if (tried.insert(name + "=" + value).second) {
          Config next = config;
          next[name] = value;
          todo.push_back(std::move(next));
        }
  }
  return {known.begin(), known.end()};
}

// The fixed params' reader: errors name the file's params, or the flag that set a field.
Hyperparameters params_reader(const Experiment& e, const Config& config) {
  Hyperparameters hp(config, e.where("params"));
  for (const auto& [field, flag] : e.origins("params")) hp.set_origin(field, flag);
  return hp;
}

void check_param_names(const Experiment& e) {
  const std::vector<std::string>& known = known_param_names();
  Json from_file = Json::object(), from_flags = Json::object();
  for (const auto& [name, value] : e.params.items())
    (e.flag_origins.count("params." + name) ? from_flags : from_file)[name] = value;
  check_keys(from_file, known, e.where("params"));
  check_keys(from_flags, known, "--set", " ");
  check_keys(e.space, known, e.where("space"));
}

// The values a searched parameter is checked at, each with the field it comes from: its
// bounds, or each of its choices.
std::vector<std::pair<std::string, Json>> extremes(const Param& p, const Json& spec) {
  std::vector<std::pair<std::string, Json>> out;
  if (p.kind == ParamKind::Categorical) {
    for (const Json& c : p.choices) out.emplace_back("choices", c);
    return out;
  }
  const bool bounds = spec.contains("low");  // else a float given by its "values"
  out.emplace_back(bounds ? "low" : "values", p.normalize(Json(p.low)));
  out.emplace_back(bounds ? "high" : "values", p.normalize(Json(p.high)));
  return out;
}

// Sets the parents `p`'s condition needs in `config` (their own conditions in turn) to values
// of theirs that make `p` active; false when none can (then `p` never runs with these params).
bool activate(const Space& space, const Json& spec, const Param& p, Config& config) {
  if (!p.when) return true;
  const Condition& when = *p.when;
  const Param* parent = space.find(when.parent);
  if (!parent) return when.holds(config.value(when.parent, Json()));
  std::vector<Json> candidates;
  for (const Json& v : when.values)
    if (parent->contains(v)) candidates.push_back(parent->normalize(v));
  for (const auto& extreme : extremes(*parent, spec.at(parent->name)))
    candidates.push_back(extreme.second);
  for (const Json& v : candidates)
    if (when.holds(v)) {
      config[parent->name] = v;
      return activate(space, spec, *parent, config);
    }
  return false;
}

// One searched parameter at one of its extremes, overlaid on the fixed params. An error about
// the parameter itself names the space field; any other one says which value caused it.
void check_extreme(const Experiment& e, const Param& p, const std::string& field, const Json& value,
                   Config config) {
  config[p.name] = value;
  Hyperparameters hp = params_reader(e, config);
  const std::string origin = e.where("space") + "." + p.name + "." + field;
  hp.set_origin(p.name, origin);
  try {
    check_train_params(hp);
  } catch (const ConfigError& error) {
    const std::string what = error.what();
    if (what.rfind(origin, 0) == 0) throw;
    throw ConfigError("",
                      what + " (with " + p.name + " = " + value.dump() + " from " + origin + ")");
  }
}

void check_space_extremes(const Experiment& e) {
  Space space = Space::from_json(e.space, e.where("space"));
  for (const Param& p : space.params()) {
    Config config = e.params;
    if (!activate(space, e.space, p, config)) continue;
    for (const auto& [field, value] : extremes(p, e.space.at(p.name)))
      check_extreme(e, p, field, value, config);
  }
}

}  // namespace

void check_experiment_data(const Experiment& e) {
  Hyperparameters data(e.data, e.where("data"));
  for (const auto& [field, flag] : e.origins("data")) data.set_origin(field, flag);
  check_dataset(data);
}

void check_train_params(const Hyperparameters& params) {
  MetaTensors meta;
  TrainOptions::from(params);
  builtin_models().build(params, kProbeShape, kProbeClasses);
  make_optimizer(params, {torch::zeros({1}, torch::requires_grad())});
}

const std::vector<std::string>& known_param_names() {
  static const std::vector<std::string> names = explore_param_names();
  return names;
}

void check_train_experiment(const Experiment& e) {
  check_param_names(e);
  check_train_params(params_reader(e, e.params));
  check_space_extremes(e);
  make_callbacks(e.callbacks, e.where("callbacks"));
  check_experiment_data(e);
}

}  // namespace tune
