#pragma once
// Random search: each trial's config drawn from the space with a generator that depends only on
// the study's seed and the trial's number, so a study is reproducible whichever process
// proposes which trial. In a finite space it avoids configs already taken by the history, and
// ends when every config has been taken.
//
// A batch for a fused group (ProposalContext::fuse_key set) shares one shape where it can
// without changing what any member samples: its first config is drawn as a lone trial's; each
// later one by rejection from its own trial stream, up to kShapeDraws draws, until its key is
// the first's; when none matches, it takes the config it would have had alone.
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

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
  std::vector<Config> propose_batch(const ProposalContext& ctx, int n) override;
  std::optional<size_t> capacity(const Space& space) const override {
    return space_capacity(space);
  }

 private:
  static std::optional<size_t> space_capacity(const Space& space);
  uint64_t seed(const ProposalContext& ctx) const { return options_.seed.value_or(ctx.seed); }
  std::optional<Config> draw_with_key(const ProposalContext& ctx, int number,
                                      const std::string& key,
                                      const std::unordered_set<std::string>& taken) const;
  RandomOptions options_;
};

}  // namespace tune
