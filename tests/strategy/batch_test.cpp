// Strategy::propose_batch, run against every registered strategy: a batch is n distinct, valid
// configs (int, categorical and conditional parameters), before and after a model-based
// strategy has enough history to fit; a grid hands out its next points and stops at its end.
// Random batches with a fuse key share the first member's key where the space allows, while
// each member keeps the space's distribution; without a key they are the sequential proposals.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "../support/proposals.h"
#include "../support/spaces.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace tune {
namespace {

// `n` trials proposed one by one and completed with a made-up loss.
std::vector<TrialSnapshot> finished_history(Strategy& strategy, const Space& space, int n) {
  std::vector<TrialSnapshot> history;
  for (int k = 0; k < n; ++k) {
    std::optional<Config> c = strategy.propose({space, history, k, 5, Direction::Minimize});
    if (!c) break;
    TrialSnapshot t;
    t.number = k;
    t.state = TrialState::Complete;
    t.params = *c;
    t.value = static_cast<double>((k * 7) % 5) + (c->value("act", "") == "tanh" ? 0.5 : 0.0);
    t.end_time = k + 1;
    history.push_back(t);
  }
  return history;
}

void expect_distinct_valid(const Space& space, const std::vector<Config>& batch,
                           const std::vector<TrialSnapshot>& history) {
  std::set<std::string> seen;
  for (const TrialSnapshot& t : history) seen.insert(t.params.dump());
  for (const Config& c : batch) {
    testing::expect_valid_proposal(space, c);
    EXPECT_TRUE(seen.insert(c.dump()).second) << "proposed twice: " << c.dump();
  }
}

class BatchAsk : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchAsk, GivesDistinctValidConfigsWithAndWithoutHistory) {
  const Space space = Space::from_json(testing::mixed_space(), "space");
  for (int done : {0, 16}) {
    auto strategy = testing::registered_strategy(GetParam(), space);
    const std::vector<TrialSnapshot> history = finished_history(*strategy, space, done);
    const std::vector<Config> batch =
        strategy->propose_batch({space, history, done, 5, Direction::Minimize}, 6);
    EXPECT_EQ(batch.size(), 6u) << "after " << done << " trials";
    expect_distinct_valid(space, batch, history);
  }
}

TEST_P(BatchAsk, SmallDiscreteSpaceGetsDistinctConfigsUntilItIsSpent) {
  const Space space = Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 1, "high": 3},
                     "b": {"type": "categorical", "choices": ["x", "y"]}})"),
                                       "space");
  if (GetParam() == "pbt") GTEST_SKIP() << testing::kPbtRepeats;
  auto strategy = testing::registered_strategy(GetParam(), space);
  const std::vector<TrialSnapshot> history = finished_history(*strategy, space, 2);
  const std::vector<Config> batch =
      strategy->propose_batch({space, history, 2, 5, Direction::Minimize}, 10);
  EXPECT_EQ(batch.size(), 4u);  // the 6 configs less the 2 tried
  expect_distinct_valid(space, batch, history);
}

INSTANTIATE_TEST_SUITE_P(Registered, BatchAsk, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(GridBatch, GivesTheNextPointsInOrderAndStopsAtCapacity) {
  const Space space =
      Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 1, "high": 5}})"), "space");
  auto strategy = testing::registered_strategy("grid", space);
  const std::vector<TrialSnapshot> history = finished_history(*strategy, space, 1);
  std::vector<Config> batch =
      strategy->propose_batch({space, history, 1, 5, Direction::Minimize}, 3);
  ASSERT_EQ(batch.size(), 3u);
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i]["a"], static_cast<int>(i) + 2);
  std::vector<TrialSnapshot> more = history;
  for (size_t i = 0; i < batch.size(); ++i) {
    TrialSnapshot t;
    t.number = static_cast<int>(more.size());
    t.params = batch[i];
    more.push_back(t);  // running
  }
  batch = strategy->propose_batch({space, more, 4, 5, Direction::Minimize}, 3);
  ASSERT_EQ(batch.size(), 1u);  // only a = 5 is left of the 5 points
  EXPECT_EQ(batch[0]["a"], 5);
  EXPECT_EQ(*strategy->capacity(space), 5u);
}

// Random's batches with a fuse key. The key here is (layers, batch size) of a finite space of 48
// configs (6 keys of 8 configs each), or a bucket of x in a continuous one.
const Json kShapes = Json::parse(R"({"layers": {"type": "int", "low": 1, "high": 3},
    "batch_size": {"type": "categorical", "choices": [32, 64]},
    "units": {"type": "categorical", "choices": [8, 16, 32, 64]},
    "act": {"type": "categorical", "choices": ["relu", "tanh"]}})");

std::optional<std::string> shape_of(const Config& c) {
  return c.at("layers").dump() + "/" + c.at("batch_size").dump();
}

// The keys of `batch` that differ from its first member's.
int off_key_members(const std::vector<Config>& batch, const FuseKeyFn& key) {
  int off = 0;
  for (const Config& c : batch) off += key(c) != key(batch.front());
  return off;
}

TEST(RandomBatch, SharesTheFirstMembersKeyWhileTheSpaceHasConfigsOfIt) {
  const Space space = Space::from_json(kShapes, "space");
  auto strategy = testing::registered_strategy("random", space);
  std::vector<TrialSnapshot> history;
  std::map<std::string, int> left;  // configs of each key nobody has taken
  space.visit_grid([&](const Config& c) {
    ++left[*shape_of(c)];
    return true;
  });
  std::set<std::string> seen;
  while (true) {
    const int next = static_cast<int>(history.size());
    ProposalContext ctx{space, history, next, 5, Direction::Minimize, shape_of};
    const std::vector<Config> batch = strategy->propose_batch(ctx, 4);
    if (batch.empty()) break;
    const std::string key = *shape_of(batch.front());
    for (const Config& c : batch) {
      testing::expect_valid_proposal(space, c);
      EXPECT_TRUE(seen.insert(c.dump()).second) << "proposed twice: " << c.dump();
      // Another key only once the first's configs are all taken.
      if (*shape_of(c) != key) {
        EXPECT_EQ(left[key], 0) << "trial " << next << ": " << c.dump();
      }
      --left[*shape_of(c)];
      add_pending(history, static_cast<int>(history.size()), c);
    }
  }
  EXPECT_EQ(seen.size(), 48u);  // no repeats, and the whole space handed out
}

TEST(RandomBatch, LaterMembersKeepTheSpacesDistribution) {
  // x ~ U(0, 1) in three buckets of probability 0.2, 0.3 and 0.5; y only rides along.
  const Space space = Space::from_json(Json::parse(R"({"x": {"type": "float", "low": 0, "high": 1},
                      "y": {"type": "float", "low": 0, "high": 1}})"),
                                       "space");
  const FuseKeyFn bucket = [](const Config& c) -> std::optional<std::string> {
    const double x = c.at("x").get<double>();
    return x < 0.2 ? "a" : x < 0.5 ? "b" : "c";
  };
  const std::map<std::string, double> p = {{"a", 0.2}, {"b", 0.3}, {"c", 0.5}};
  auto strategy = testing::registered_strategy("random", space);
  const int batches = 3000, n = 4;
  std::vector<std::map<std::string, int>> counts(n);  // per position in the batch
  std::vector<double> x_sum(n, 0.0);
  const std::vector<TrialSnapshot> none;
  for (int b = 0; b < batches; ++b) {
    ProposalContext ctx{space, none, b * n, 17, Direction::Minimize, bucket};
    const std::vector<Config> batch = strategy->propose_batch(ctx, n);
    ASSERT_EQ(batch.size(), static_cast<size_t>(n));
    ASSERT_EQ(off_key_members(batch, bucket), 0) << "batch " << b;
    for (int i = 0; i < n; ++i) {
      ++counts[i][*bucket(batch[i])];
      x_sum[i] += batch[i]["x"].get<double>();
    }
  }
  // Each position's bucket count over independent batches (own trial streams) is binomial
  // (batches, p_k) if the member is distributed as the space: 5 standard deviations (0.012 to
  // 0.046 here) fail a correct sampler with probability below 1e-6 per check, and catch a
  // biased one such as "later members always take the likeliest key" (off by 0.5).
  for (int i = 0; i < n; ++i) {
    for (const auto& [key, pk] : p) {
      const double freq = static_cast<double>(counts[i][key]) / batches;
      EXPECT_NEAR(freq, pk, 5 * std::sqrt(pk * (1 - pk) / batches))
          << "position " << i << " key " << key;
    }
    // The mean of U(0, 1) is 1/2 with standard deviation sqrt(1/12 / batches).
    EXPECT_NEAR(x_sum[i] / batches, 0.5, 5 * std::sqrt(1.0 / 12 / batches)) << "position " << i;
  }
}

TEST(RandomBatch, WithoutAKeyIsTheSequentialProposalsAndAKeyKeepsTheFirst) {
  const Space space = Space::from_json(testing::mixed_space(), "space");
  auto strategy = testing::registered_strategy("random", space);
  const std::vector<TrialSnapshot> history = finished_history(*strategy, space, 5);
  const std::vector<Config> batch =
      strategy->propose_batch({space, history, 5, 9, Direction::Minimize}, 6);
  // The lone proposals, each with the earlier ones running: what main's batches were.
  std::vector<TrialSnapshot> pending = history;
  for (int i = 0; i < 6; ++i) {
    std::optional<Config> c = strategy->propose({space, pending, 5 + i, 9, Direction::Minimize});
    ASSERT_TRUE(c);
    EXPECT_EQ(batch.at(i), *c) << i;
    add_pending(pending, 5 + i, *c);
  }
  const FuseKeyFn by_shape = [](const Config& c) -> std::optional<std::string> {
    return c.at("opt").get<std::string>() + c.at("layers").dump();
  };
  const std::vector<Config> keyed =
      strategy->propose_batch({space, history, 5, 9, Direction::Minimize, by_shape}, 6);
  ASSERT_EQ(keyed.size(), 6u);
  EXPECT_EQ(keyed.front(), batch.front());
  EXPECT_EQ(off_key_members(keyed, by_shape), 0);
  // A first member without a key runs alone: the others are drawn as without a key.
  const FuseKeyFn never = [](const Config&) { return std::optional<std::string>(); };
  EXPECT_EQ(strategy->propose_batch({space, history, 5, 9, Direction::Minimize, never}, 6), batch);
}

}  // namespace
}  // namespace tune
