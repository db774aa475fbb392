#pragma once
// Stored rows turned into trial snapshots without trusting them. A study file can hold rows no
// tune wrote (a hand edit, another program, a newer tune with a new state): every column that
// is parsed is checked, and a row that fails is returned with what is wrong rather than thrown
// on, so that one bad row costs a warning instead of the whole study. A row is read whole or
// not at all: nobody gets a snapshot with a field left at its default.
#include <optional>
#include <string>

#include "common/json.h"
#include "common/trial.h"
#include "store/row_view.h"

namespace tune {

// The trials columns read_trial_row expects, in order, for "SELECT <these> FROM trials" (the
// same names in every backend).
extern const char* const kTrialColumns;

struct TrialRow {
  int number = -1;
  std::string stored_state;            // the state column as stored
  std::optional<TrialSnapshot> trial;  // set when the row reads
  std::string problem;                 // else what is wrong ("params are not JSON: ...")
};

TrialRow read_trial_row(const RowView& row);

// One epoch's metrics (the data column): JSON, or nullopt with `problem` set.
std::optional<Json> parse_metrics_data(const std::string& data, std::string& problem);

// What a reader that must account for every trial number gets in place of a row it cannot read:
// no params and no value, so that no strategy or report takes anything from it; Complete when
// the stored state is one the budget counts (running, complete, pruned), as the claim's count in
// SQL does, else Failed, with `problem` as its error.
TrialSnapshot unreadable_stand_in(const TrialRow& row);

}  // namespace tune
