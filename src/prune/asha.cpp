// ASHA: one successive-halving bracket over every trial (rules in successive_halving.h).
#include "prune/successive_halving.h"

namespace tune {
namespace {

class AshaPruner : public Pruner {
 public:
  explicit AshaPruner(SuccessiveHalvingOptions options) : options_(options) {}

  bool prune(const PruneContext& ctx) const override {
    return successive_halving_prunes(ctx, options_.min_epochs, options_.reduction_factor,
                                     options_.budget(ctx), [](int) { return true; });
  }

 private:
  SuccessiveHalvingOptions options_;
};

}  // namespace

std::unique_ptr<Pruner> make_asha_pruner(const Json& options, const std::string& where) {
  return std::make_unique<AshaPruner>(SuccessiveHalvingOptions::from_json(options, where));
}

}  // namespace tune
