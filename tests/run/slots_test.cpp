#include "run/slots.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tune {
namespace {

std::string error_of(const DeviceOptions& o, int cuda, int cores = 2) {
  try {
    plan_slots(o, cuda, cores);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Slots, DefaultIsOneCpuWorkerWithAllCores) {
  auto slots = plan_slots(DeviceOptions{}, 0, 8);
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].device, "cpu");
  EXPECT_EQ(slots[0].threads, 8);
}

TEST(Slots, CpuWorkersSplitTheCores) {
  DeviceOptions o;
  o.cpu_workers = 3;
  auto slots = plan_slots(o, 0, 8);
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0].threads + slots[1].threads + slots[2].threads, 8);
  o.cpu_workers = 4;
  for (const auto& s : plan_slots(o, 0, 2)) EXPECT_EQ(s.threads, 1);
}

TEST(Slots, AutoIsOneSingleThreadWorkerPerCoreWithoutGpus) {
  DeviceOptions o = DeviceOptions::from_json(Json{{"cpu_workers", "auto"}}, "x.json: devices");
  EXPECT_EQ(o.cpu_workers, kAutoCpuWorkers);
  auto slots = plan_slots(o, 0, 8);
  ASSERT_EQ(slots.size(), 8u);
  for (const auto& s : slots) {
    EXPECT_EQ(s.device, "cpu");
    EXPECT_EQ(s.threads, 1);
  }
  EXPECT_EQ(plan_slots(o, 0, 1).size(), 1u);
  o.gpus = "0";  // the GPUs' workers only: the cores feed them
  slots = plan_slots(o, 1, 8);
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].device, "cuda:0");
  for (const Json& bad : {Json("many"), Json(-1), Json(2.5), Json(kMaxCpuWorkers + 1)}) {
    try {
      DeviceOptions::from_json(Json{{"cpu_workers", bad}}, "x.json: devices");
      ADD_FAILURE() << bad.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("x.json: devices.cpu_workers"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("or \"auto\""), std::string::npos) << e.what();
    }
  }
}

TEST(Slots, GpusTimesPerDevice) {
  DeviceOptions o;
  o.gpus = "0,1";
  o.per_device = 2;
  auto slots = plan_slots(o, 2, 16);
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[0].device, "cuda:0");
  EXPECT_EQ(slots[1].device, "cuda:0");
  EXPECT_EQ(slots[3].device, "cuda:1");
  EXPECT_EQ(slots[3].index, 3);
  o.gpus = "all";
  o.per_device = 1;
  EXPECT_EQ(plan_slots(o, 3, 16).size(), 3u);
}

TEST(Slots, InvalidDevicesFailEarly) {
  DeviceOptions o;
  o.gpus = "0,1";
  EXPECT_NE(error_of(o, 0).find("no CUDA device"), std::string::npos);
  EXPECT_NE(error_of(o, 1).find("GPU 1 does not exist"), std::string::npos);
  o.gpus = "0,x";
  EXPECT_NE(error_of(o, 2).find("\"x\""), std::string::npos);
  o.gpus = "0,";
  EXPECT_NE(error_of(o, 2), "");
  o.gpus = "0";
  o.per_device = 0;
  EXPECT_NE(error_of(o, 1).find("--per-device"), std::string::npos);
}

TEST(Slots, ReadsTheDevicesSection) {
  auto o = DeviceOptions::from_json(Json{{"gpus", {0, 1}}, {"per_device", 4}}, "x.json: devices");
  EXPECT_EQ(o.gpus, "0,1");
  EXPECT_EQ(o.per_device, 4);
  EXPECT_THROW(DeviceOptions::from_json(Json{{"gpu", "0"}}, "x"), ConfigError);
  EXPECT_THROW(DeviceOptions::from_json(Json{{"per_device", 0}}, "x"), ConfigError);
}

TEST(Slots, ReadsCpuKernels) {
  EXPECT_EQ(DeviceOptions::from_json(Json::object(), "x").cpu_kernels, CpuKernels::Tuned);
  EXPECT_EQ(DeviceOptions::from_json(Json{{"cpu_kernels", "tuned"}}, "x").cpu_kernels,
            CpuKernels::Tuned);
  EXPECT_EQ(DeviceOptions::from_json(Json{{"cpu_kernels", "libtorch"}}, "x").cpu_kernels,
            CpuKernels::LibTorch);
  EXPECT_THROW(DeviceOptions::from_json(Json{{"cpu_kernels", "mkl"}}, "x"), ConfigError);
}

TEST(Slots, FuseIsOnForGpusAndOffOnTheCpuUnlessAsked) {
  DeviceOptions o;
  o.gpus = "0";
  o.per_device = 2;
  o.cpu_workers = 1;
  for (const Slot& s : plan_slots(o, 1, 4))
    EXPECT_EQ(s.fuse, s.device == "cpu" ? 1 : kDefaultGpuFuse) << s.device;
  o.fuse = 3;
  for (const Slot& s : plan_slots(o, 1, 4)) EXPECT_EQ(s.fuse, 3) << s.device;
  o.fuse = 0;
  EXPECT_NE(error_of(o, 1).find("--fuse"), std::string::npos);
}

TEST(Slots, ReadsAndChecksFuse) {
  EXPECT_EQ(DeviceOptions::from_json(Json{{"fuse", 4}}, "x").fuse, 4);
  EXPECT_FALSE(DeviceOptions::from_json(Json::object(), "x").fuse);
  for (const Json& bad : {Json(0), Json("4"), Json(2.5), Json(kMaxFuse + 1)}) {
    try {
      DeviceOptions::from_json(Json{{"fuse", bad}}, "x.json: devices");
      ADD_FAILURE() << "accepted fuse " << bad.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("devices.fuse"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tune
