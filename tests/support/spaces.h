#pragma once
// Search spaces the tests share (tests/support holds headers only).
#include "common/json.h"

namespace tune::testing {

// An optimizer and its own knobs: momentum for sgd and rmsprop, beta for adam.
inline Json optimizer_space() {
  return {{"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd", "rmsprop"}}}},
          {"momentum",
           {{"type", "float"},
            {"low", 0.0},
            {"high", 1.0},
            {"when", {{"optimizer", {"sgd", "rmsprop"}}}}}},
          {"beta",
           {{"type", "float"}, {"low", 0.0}, {"high", 1.0}, {"when", {{"optimizer", "adam"}}}}}};
}

}  // namespace tune::testing
