// The shared-memory hazard checker (racecheck) and the eager schedule: true
// races between warps are reported with both threads and sites, ordered and
// atomic accesses are not, out-of-bounds shared writes are reported, and the
// planted group_allreduce bug of issue 16 is caught (and, under the eager
// schedule, even gives a wrong result).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <gan/simt/runtime.h>

#include "simt_test_kernels.h"
#include "simt_test_util.h"

namespace gan::simt_test {
namespace {

using gan::simt::Order;
using gan::simt::Schedule;
using gan::simt::ScopedRacecheck;
using gan::simt::ScopedSchedule;

class RaceCheck : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!gan::simt::racecheck_available()) GTEST_SKIP() << "kernels not instrumented (ASan or serial build)";
    schedule_.emplace(gan::simt::parse_schedule(GetParam()));
    race_.emplace(true);
  }
  void TearDown() override {
    race_.reset();
    schedule_.reset();
  }

  // The racecheck error of f(), or "" when it ran clean.
  template <class F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const gan::simt::Error& e) {
      return e.what();
    }
    return "";
  }

 private:
  std::optional<ScopedSchedule> schedule_;
  std::optional<ScopedRacecheck> race_;
};

TEST_P(RaceCheck, CrossWarpReadAfterWriteIsReported) {
  const auto x = random_floats(64, 1);
  std::vector<float> out(64);
  const std::string e = error_of([&] { cross_warp_exchange(x.data(), out.data(), false); });
  EXPECT_NE(e.find("gan::simt racecheck: kernel 'cross_warp_exchange_kernel<false>'"), std::string::npos) << e;
  EXPECT_NE(e.find("hazard on shared array 's' (static __shared__ in "), std::string::npos) << e;
  EXPECT_NE(e.find("race.cu:19"), std::string::npos) << e;  // the read  out[tid] = s[(tid + 32) % 64]
  EXPECT_NE(e.find("race.cu:17"), std::string::npos) << e;  // the write s[tid] = x[tid]
  EXPECT_NE(e.find("(warp 0, lane "), std::string::npos) << e;
  EXPECT_NE(e.find("(warp 1, lane "), std::string::npos) << e;
  EXPECT_NE(e.find("no __syncthreads between them"), std::string::npos) << e;
}

TEST_P(RaceCheck, BarrierOrderedExchangeIsClean) {
  const auto x = random_floats(64, 2);
  std::vector<float> out(64);
  EXPECT_EQ(error_of([&] { cross_warp_exchange(x.data(), out.data(), true); }), "");
  for (int i = 0; i < 64; ++i) EXPECT_EQ(out[i], x[(i + 32) % 64]) << i;
}

TEST_P(RaceCheck, WarpCollectivesAndAtomicsAreNotHazards) {
  const auto x = random_floats(64, 3);
  std::vector<float> out(64);
  std::vector<int> counts(2, -1);
  EXPECT_EQ(error_of([&] { ordered_exchange(x.data(), out.data(), counts.data()); }), "");
  for (int i = 0; i < 64; ++i) {
    const int w = i / 32 * 32, lane = i % 32;
    EXPECT_EQ(out[i], 2.0f * x[i] + x[w + ((lane ^ 1) + 1) % 32]) << i;
  }
  EXPECT_EQ(counts[0], 64);
  EXPECT_EQ(counts[1], 63);
}

TEST_P(RaceCheck, MissingBarrierBetweenAllReductionsIsReported) {
  const auto x = random_small_ints(64, 4);
  std::vector<float> out(2);
  const std::string e = error_of([&] { double_allreduce(x.data(), out.data(), false); });
  // write-after-read (warp 1 overwrites its slot after warp 0 read it); under
  // the eager schedule warp 0 gets there first: read-after-write.
  EXPECT_NE(e.find("-after-"), std::string::npos) << e;
  EXPECT_NE(e.find(" hazard on shared array 'smem' (static __shared__ in "), std::string::npos) << e;
  EXPECT_NE(e.find("allreduce64"), std::string::npos) << e;
  EXPECT_EQ(error_of([&] { double_allreduce(x.data(), out.data(), true); }), "");
}

TEST_P(RaceCheck, DynamicSharedOutOfBoundsWriteIsReported) {
  std::vector<float> out(64);
  const std::string e = error_of([&] { dynamic_shared_oob(out.data()); });
  EXPECT_NE(e.find("out-of-bounds shared memory write of 4 bytes at dynamic shared memory (GAN_DYNAMIC_SHARED) + "
                   "256 bytes (the launch has 256 bytes) by thread (40,0,0) (warp 1, lane 8) at "),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("race.cu:"), std::string::npos) << e;
}

TEST_P(RaceCheck, StaticSharedOutOfBoundsWriteIsReported) {
  std::vector<float> out(32);
  const std::string e = error_of([&] { static_shared_oob(out.data()); });
  EXPECT_NE(e.find("out-of-bounds shared memory write of 4 bytes at "), std::string::npos) << e;
  EXPECT_NE(e.find("by thread (31,0,0) (warp 0, lane 31) at "), std::string::npos) << e;
  // a[32] lands in whatever follows a: a gap, or another array, which this
  // instruction reached once against 31 times a.
  EXPECT_NE(e.find("'a' (static __shared__ in gan::simt_test::static_shared_oob_kernel) of 128 bytes"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("race.cu:"), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(Orders, RaceCheck, ::testing::Values("forward", "reverse", "random:7", "eager"),
                         schedule_name);

// Without the checker, the eager schedule is what turns the missing barrier
// into a wrong answer: warp 0 runs through the second reduction's shuffles
// and overwrites its slot before warp 1 has read the first sum.
TEST(EagerSchedule, ExposesTheMissingBarrierBetweenReductions) {
  ScopedRacecheck off(false);
  const auto x = random_small_ints(64, 5);
  float sum = 0.0f;
  for (float v : x) sum += v;
  std::vector<float> out(2);
  {
    ScopedSchedule s(Schedule{Order::forward, 0, false});
    double_allreduce(x.data(), out.data(), false);
    EXPECT_EQ(out[0], sum);  // today's requeueing hides the bug
  }
  {
    ScopedSchedule s(Schedule{Order::forward, 0, true});
    double_allreduce(x.data(), out.data(), false);
    EXPECT_TRUE(out[0] != sum || out[1] != 2.0f * sum) << "the eager schedule should expose the race";
    double_allreduce(x.data(), out.data(), true);
    EXPECT_EQ(out[0], sum);
    EXPECT_EQ(out[1], 2.0f * sum);
  }
}

TEST(EagerSchedule, ParsesAndPrints) {
  const auto e = gan::simt::parse_schedule("eager");
  EXPECT_EQ(e.order, Order::forward);
  EXPECT_TRUE(e.eager);
  const auto r = gan::simt::parse_schedule("random:3+eager");
  EXPECT_EQ(r.order, Order::random);
  EXPECT_EQ(r.seed, 3u);
  EXPECT_TRUE(r.eager);
  EXPECT_EQ(gan::simt::to_string(r), "random:3+eager");
  EXPECT_FALSE(gan::simt::parse_schedule("reverse").eager);
  EXPECT_THROW(gan::simt::parse_schedule("eager+eager"), gan::simt::Error);
  EXPECT_THROW(gan::simt::parse_schedule("+eager"), gan::simt::Error);
}

}  // namespace
}  // namespace gan::simt_test
