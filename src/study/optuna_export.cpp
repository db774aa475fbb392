#include "study/optuna_export.h"

#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <map>

#include "common/error.h"
#include "store/sqlite.h"
#include "study/study_dir.h"

namespace tune {
namespace {

// Optuna reads these to decide whether it knows the schema: the alembic revision must be its
// head, and schema_version 12 says the file is managed by alembic. library_version only shows
// in Optuna's upgrade messages: 3.2.0 is the first release with this schema.
constexpr int kSchemaVersion = 12;
constexpr const char* kAlembicRevision = "v3.2.0.a";
constexpr const char* kLibraryVersion = "3.2.0";

// Optuna's key/value tables: {study,trial}_{user,system}_attributes.
std::string attribute_table(const std::string& kind, const std::string& owner,
                            const std::string& owners) {
  const std::string table = owner + "_" + kind + "_attribute";
  const std::string id = owner + "_id";
  return "CREATE TABLE " + table + "s (" + table + "_id INTEGER NOT NULL PRIMARY KEY, " + id +
         " INTEGER REFERENCES " + owners + " (" + id +
         "), \"key\" VARCHAR(512), value_json TEXT, UNIQUE (" + id + ", \"key\"));\n";
}

// Optuna's tables of floats, which keep infinities (and NaN) as a type beside a NULL value:
// trial_values (per objective) and trial_intermediate_values (per step).
struct FloatTable {
  std::string column;  // "value": the table is trial_values, its type column value_type
  std::string key;     // "objective" or "step"
};
const FloatTable kValues{"value", "objective"};
const FloatTable kIntermediateValues{"intermediate_value", "step"};

std::string float_table(const FloatTable& t) {
  const std::string& c = t.column;
  return "CREATE TABLE trial_" + c + "s (trial_" + c + "_id INTEGER NOT NULL PRIMARY KEY, " +
         "trial_id INTEGER NOT NULL REFERENCES trials (trial_id), " + t.key +
         " INTEGER NOT NULL, " + c + " FLOAT, " + c + "_type VARCHAR(7) NOT NULL, " +
         "UNIQUE (trial_id, " + t.key + "));\n";
}

std::string insert_float(const FloatTable& t) {
  const std::string& c = t.column;
  return "INSERT INTO trial_" + c + "s (trial_id, " + t.key + ", " + c + ", " + c +
         "_type) VALUES (?, ?, ?, ?)";
}

// Optuna's tables as it creates them in SQLite (enums are stored by name).
std::string schema() {
  return R"sql(
CREATE TABLE studies (
  study_id INTEGER NOT NULL PRIMARY KEY,
  study_name VARCHAR(512) NOT NULL);
CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
CREATE TABLE version_info (
  version_info_id INTEGER NOT NULL PRIMARY KEY,
  schema_version INTEGER,
  library_version VARCHAR(256),
  CHECK (version_info_id = 1));
CREATE TABLE study_directions (
  study_direction_id INTEGER NOT NULL PRIMARY KEY,
  direction VARCHAR(8) NOT NULL,
  study_id INTEGER NOT NULL REFERENCES studies (study_id),
  objective INTEGER NOT NULL,
  UNIQUE (study_id, objective));
CREATE TABLE trials (
  trial_id INTEGER NOT NULL PRIMARY KEY,
  number INTEGER,
  study_id INTEGER REFERENCES studies (study_id),
  state VARCHAR(8) NOT NULL,
  datetime_start DATETIME,
  datetime_complete DATETIME);
CREATE INDEX ix_trials_study_id ON trials (study_id);
CREATE TABLE trial_params (
  param_id INTEGER NOT NULL PRIMARY KEY,
  trial_id INTEGER REFERENCES trials (trial_id),
  param_name VARCHAR(512),
  param_value FLOAT,
  distribution_json TEXT,
  UNIQUE (trial_id, param_name));
CREATE TABLE trial_heartbeats (
  trial_heartbeat_id INTEGER NOT NULL PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
  heartbeat DATETIME NOT NULL,
  UNIQUE (trial_id));
CREATE TABLE alembic_version (
  version_num VARCHAR(32) NOT NULL,
  CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
)sql" + attribute_table("user", "study", "studies") +
         attribute_table("system", "study", "studies") +
         attribute_table("user", "trial", "trials") + attribute_table("system", "trial", "trials") +
         float_table(kValues) + float_table(kIntermediateValues);
}

constexpr int kBusyTimeoutMs = 5000;

std::string directory_name(const std::string& dir) {
  std::filesystem::path path = std::filesystem::absolute(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "studies/x/"
  return path.filename().string();
}

// A float as Optuna stores it: the number when finite, else NULL and the kind.
struct StoredFloat {
  std::optional<double> value;
  const char* type;
};

StoredFloat stored_float(double x) {
  if (std::isnan(x)) return {std::nullopt, "NAN"};
  if (std::isinf(x)) return {std::nullopt, x > 0 ? "INF_POS" : "INF_NEG"};
  return {x, "FINITE"};
}

// A complete trial needs a value Optuna accepts (not NaN); a pruned or complete trial keeps it.
std::optional<double> trial_value(const TrialSnapshot& t) {
  bool kept = t.state == TrialState::Complete || t.state == TrialState::Pruned;
  if (!kept || !t.value || std::isnan(*t.value)) return std::nullopt;
  return t.value;
}

const char* state_name(const TrialSnapshot& t) {
  switch (t.state) {
    case TrialState::Running:
      return "RUNNING";
    case TrialState::Complete:
      return trial_value(t) ? "COMPLETE" : "FAIL";
    case TrialState::Pruned:
      return "PRUNED";
    case TrialState::Failed:
      break;
  }
  return "FAIL";
}

// Naive UTC with microseconds, as Optuna stores datetimes; NULL for "not yet".
std::optional<std::string> utc_datetime(double seconds) {
  if (seconds <= 0) return std::nullopt;
  double whole = std::floor(seconds);
  std::time_t time = static_cast<std::time_t>(whole);
  std::tm utc{};
  gmtime_r(&time, &utc);
  int micros = std::min(999999, static_cast<int>(std::lround((seconds - whole) * 1e6)));
  char text[64];
  size_t length = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%06d", micros);
  return std::string(text);
}

// Optuna's choices are scalars; an array or object choice is stored as its JSON text.
Json optuna_choice(const Json& choice) {
  return choice.is_structured() ? Json(choice.dump()) : choice;
}

Json distribution(const Param& p) {
  if (p.kind == ParamKind::Categorical) {
    Json choices = Json::array();
    for (const Json& c : p.choices) choices.push_back(optuna_choice(c));
    return {{"name", "CategoricalDistribution"}, {"attributes", {{"choices", choices}}}};
  }
  if (p.kind == ParamKind::Int) {
    // pow2: every power of two in [low, high] is an int there, drawn on a log scale.
    int64_t step = p.step ? static_cast<int64_t>(*p.step) : 1;
    return {{"name", "IntDistribution"},
            {"attributes",
             {{"low", static_cast<int64_t>(p.low)},
              {"high", static_cast<int64_t>(p.high)},
              {"log", p.log || p.pow2},
              {"step", step}}}};
  }
  return {{"name", "FloatDistribution"},
          {"attributes",
           {{"low", p.low},
            {"high", p.high},
            {"log", p.log},
            {"step", p.step ? Json(*p.step) : Json()}}}};
}

// The value Optuna stores for a param: the number, or a categorical's index; nullopt when the
// value is outside the domain.
std::optional<double> internal_value(const Param& p, const Json& value) {
  if (!p.contains(value)) return std::nullopt;
  if (p.kind != ParamKind::Categorical) return value.get<double>();
  for (size_t i = 0; i < p.choices.size(); ++i)
    if (p.choices[i] == value) return static_cast<double>(i);
  return std::nullopt;
}

class Writer {
 public:
  Writer(sqlite::Database& db, const OptunaStudy& study) : db_(db), study_(study) {
    for (const IntermediateValue& v : study.values) curves_[v.trial][v.epoch] = v.value;
  }

  void write() {
    db_.exec(schema());
    sqlite::Statement(db_, "INSERT INTO version_info VALUES (1, ?, ?)")
        .bind(1, kSchemaVersion)
        .bind(2, std::string(kLibraryVersion))
        .run();
    sqlite::Statement(db_, "INSERT INTO alembic_version VALUES (?)")
        .bind(1, std::string(kAlembicRevision))
        .run();
    sqlite::Statement(db_, "INSERT INTO studies (study_id, study_name) VALUES (1, ?)")
        .bind(1, study_.name)
        .run();
    std::string direction = study_.direction == Direction::Minimize ? "MINIMIZE" : "MAXIMIZE";
    sqlite::Statement(db_,
                      "INSERT INTO study_directions (direction, study_id, objective) "
                      "VALUES (?, 1, 0)")
        .bind(1, direction)
        .run();
    if (!study_.fixed_params.empty())
      sqlite::Statement(db_,
                        "INSERT INTO study_user_attributes (study_id, \"key\", value_json) "
                        "VALUES (1, 'fixed_params', ?)")
          .bind(1, dump_json(study_.fixed_params))
          .run();
    for (const TrialSnapshot& t : study_.trials) write_trial(t);
  }

 private:
  void write_trial(const TrialSnapshot& t) {
    sqlite::Statement insert(db_,
                             "INSERT INTO trials (number, study_id, state, datetime_start, "
                             "datetime_complete) VALUES (?, 1, ?, ?, ?)");
    insert.bind(1, t.number).bind(2, std::string(state_name(t)));
    bind_text(insert, 3, utc_datetime(t.start_time));
    bind_text(insert, 4, t.finished() ? utc_datetime(t.end_time) : std::nullopt);
    insert.run();
    const int64_t id = sqlite3_last_insert_rowid(db_.handle());
    if (auto value = trial_value(t)) write_float(kValues, id, 0, *value);
    for (const auto& [epoch, value] : curves_[t.number])
      write_float(kIntermediateValues, id, epoch, value);
    write_params(id, t.params);
    write_attr(id, "device", t.device);
    write_attr(id, "worker", t.worker);
    write_attr(id, "error", t.error);
    if (t.summary.is_object() && !t.summary.empty()) write_attr(id, "summary", t.summary);
  }

  void write_params(int64_t id, const Config& params) {
    Json fixed = Json::object();
    for (const auto& [name, value] : params.items()) {
      const Param* p = study_.space.find(name);
      std::optional<double> stored = p ? internal_value(*p, value) : std::nullopt;
      if (!stored) {
        fixed[name] = value;
        continue;
      }
      sqlite::Statement(db_,
                        "INSERT INTO trial_params (trial_id, param_name, param_value, "
                        "distribution_json) VALUES (?, ?, ?, ?)")
          .bind(1, id)
          .bind(2, name)
          .bind(3, *stored)
          .bind(4, distribution(*p).dump())
          .run();
    }
    if (!fixed.empty()) write_attr(id, "fixed_params", fixed);
  }

  void write_float(const FloatTable& table, int64_t id, int64_t at, double x) {
    StoredFloat stored = stored_float(x);
    sqlite::Statement insert(db_, insert_float(table));
    insert.bind(1, id).bind(2, at).bind(3, stored.value).bind(4, std::string(stored.type)).run();
  }

  void write_attr(int64_t id, const std::string& key, const Json& value) {
    if (value.is_string() && value.get<std::string>().empty()) return;
    sqlite::Statement(db_,
                      "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) "
                      "VALUES (?, ?, ?)")
        .bind(1, id)
        .bind(2, key)
        .bind(3, dump_json(value))
        .run();
  }

  static void bind_text(sqlite::Statement& s, int index, const std::optional<std::string>& text) {
    if (text)
      s.bind(index, *text);
    else
      s.bind_null(index);
  }

  sqlite::Database& db_;
  const OptunaStudy& study_;
  std::map<int, std::map<int, double>> curves_;  // trial -> epoch -> value
};

}  // namespace

OptunaStudy read_optuna_study(Storage& storage, const std::string& dir) {
  OptunaStudy study;
  study.name = directory_name(dir);
  study.direction = study_direction(storage);
  if (auto experiment = storage.attr(kExperimentAttr); experiment && experiment->is_object()) {
    const Json name = experiment->value("name", Json());
    if (name.is_string() && !name.get<std::string>().empty()) study.name = name;
    if (experiment->contains("space"))
      study.space = Space::from_json(experiment->at("space"),
                                     study_database_path(dir) + ": attribute experiment.space");
    // The experiment's params the space does not search: a searched one's value there is only
    // the default the search overrides.
    const Json params = experiment->value("params", Json::object());
    if (params.is_object())
      for (const auto& [name, value] : params.items())
        if (!study.space.find(name)) study.fixed_params[name] = value;
  }
  study.trials = storage.trials();
  study.values = storage.changes_since({}).values;
  return study;
}

void write_optuna_study(const OptunaStudy& study, const std::string& path,
                        const std::string& where) {
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, error)))
    throw ConfigError(where, "\"" + path + "\" already exists; remove it or name another file");
  try {
    sqlite::Database db(path, kBusyTimeoutMs);
    sqlite::write_transaction(
        db, [&] { Writer(db, study).write(); }, kBusyTimeoutMs);
  } catch (const sqlite::Error& e) {
    std::filesystem::remove(path, error);
    throw ConfigError(where, "cannot write \"" + path + "\": " + e.what());
  } catch (...) {
    std::filesystem::remove(path, error);
    throw;
  }
}

}  // namespace tune
