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

// Float (log, with grid points), int, pow2, categorical and conditional parameters: what the
// strategy conformance and batch tests propose in.
inline Json mixed_space() {
  return Json::parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true,
                                "grid_points": 3},
    "layers": {"type": "int", "low": 1, "high": 3},
    "units_2": {"type": "pow2", "low": 16, "high": 64, "when": {"layers": {">=": 2}}},
    "act": {"type": "categorical", "choices": ["relu", "tanh"]},
    "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
    "momentum": {"type": "float", "low": 0, "high": 0.9, "step": 0.3, "when": {"opt": "sgd"}}})");
}

}  // namespace tune::testing
