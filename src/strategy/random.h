#pragma once
// Random search: each trial's config drawn from the space with a generator that depends only on
// the study's seed and the trial's number, so a study is reproducible whichever process
// proposes which trial. In a finite space it avoids configs already taken by the history, and
// ends when every config has been taken.
#include <memory>
#include <optional>
#include <string>

#include "strategy/strategy.h"

namespace tune {

struct RandomOptions {
  std::optional<uint64_t> seed;  // overrides the study's seed
  static RandomOptions from_json(const Json& options, const std::string& where);
};

class RandomStrategy : public Strategy {
 public:
  explicit RandomStrategy(RandomOptions options = {}) : options_(options) {}
  static std::unique_ptr<Strategy> create(const Json& options, const std::string& where);

  std::optional<Config> propose(const ProposalContext& ctx) override;
  std::optional<size_t> capacity(const Space& space) const override {
    return space_capacity(space);
  }

 private:
  static std::optional<size_t> space_capacity(const Space& space);
  RandomOptions options_;
};

}  // namespace tune
