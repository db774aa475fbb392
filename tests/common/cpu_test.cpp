#include "common/cpu.h"

#include <gtest/gtest.h>

#include <thread>

namespace tune {
namespace {

TEST(Cpu, CgroupQuotaInWholeCoresRoundedUp) {
  EXPECT_EQ(cgroup_v2_cores("max 100000\n"), 0);  // no quota
  EXPECT_EQ(cgroup_v2_cores("150000 100000\n"), 2);
  EXPECT_EQ(cgroup_v2_cores("100000 100000"), 1);
  EXPECT_EQ(cgroup_v2_cores("50000 100000"), 1);
  EXPECT_EQ(cgroup_v2_cores(""), 0);
  EXPECT_EQ(cgroup_v1_cores(-1, 100000), 0);  // v1's "no quota"
  EXPECT_EQ(cgroup_v1_cores(400000, 100000), 4);
}

TEST(Cpu, UsableCoresAreAtLeastOneAndAtMostTheMachines) {
  const int cores = usable_cores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace tune
