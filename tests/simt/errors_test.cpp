// The emulator turns kernel bugs into visible failures: races give
// order-dependent results, divergent barriers and bad warp masks raise errors
// naming the kernel instead of hanging, bad launches are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simt_test_kernels.h"
#include "simt_test_util.h"

namespace gan::simt_test {
namespace {

using ::testing::HasSubstr;

// Runs f, expects a gan::simt::Error, returns its message.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const gan::simt::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected gan::simt::Error";
  return "";
}

int wrong_elements(const std::vector<float>& x, const std::vector<float>& out) {
  const int n = static_cast<int>(x.size());
  int wrong = 0;
  for (int i = 0; i < n; ++i) {
    const int base = i / 256 * 256, j = base + (i - base + 1) % 256;
    wrong += out[i] != (j < n ? x[j] : 0.0f);
  }
  return wrong;
}

TEST(MissingBarrier, GivesWrongResultsUnderSomeScheduleOrder) {
  const int n = 256 * 4;
  const auto x = random_floats(n, 21, 1.0f, 2.0f);
  // The point here is the wrong result, not racecheck's report (race_test.cpp).
  gan::simt::ScopedRacecheck no_racecheck(false);
  int wrong_forward = 0, wrong_reverse = 0;
  for (const char* order : {"forward", "reverse"}) {
    gan::simt::ScopedSchedule scoped(gan::simt::parse_schedule(order));
    std::vector<float> with(n), without(n);
    neighbour_exchange(x.data(), with.data(), n, /*with_barrier=*/true);
    EXPECT_EQ(wrong_elements(x, with), 0) << order;  // the correct kernel is right in every order
    neighbour_exchange(x.data(), without.data(), n, /*with_barrier=*/false);
    (std::string(order) == "forward" ? wrong_forward : wrong_reverse) = wrong_elements(x, without);
  }
  std::printf("[ info ] missing barrier: %d/%d wrong under forward, %d/%d under reverse\n", wrong_forward, n,
              wrong_reverse, n);
  EXPECT_GT(wrong_forward + wrong_reverse, 0) << "the race was not exposed by either order";
}

TEST(DivergentBarrier, ThrowsNamingTheKernel) {
  for (const char* order : {"forward", "reverse"}) {
    gan::simt::ScopedSchedule scoped(gan::simt::parse_schedule(order));
    std::vector<float> out(128);
    for (int variant : {0, 1}) {
      const std::string msg = error_of([&] { divergent_barrier(out.data(), variant); });
      EXPECT_THAT(msg, HasSubstr("divergent_barrier_kernel")) << order << " " << variant;
      EXPECT_THAT(msg, HasSubstr("barrier divergence")) << msg;
      EXPECT_THAT(msg, HasSubstr("faults.cu:")) << msg;  // the barrier sites
    }
  }
}

TEST(LaunchLimits, RefusesConfigurationsAnH100Refuses) {
  float out = 0.0f;
  EXPECT_NO_THROW(empty_launch(1, 1, 1, 1024, 1, 1, 0));
  EXPECT_NO_THROW(empty_launch(2, 3, 4, 32, 4, 8, 48 * 1024));
  const std::string too_many = error_of([] { empty_launch(1, 1, 1, 1025, 1, 1, 0); });
  EXPECT_THAT(too_many, HasSubstr("empty_kernel"));
  EXPECT_THAT(too_many, HasSubstr("1025 threads"));
  EXPECT_THAT(error_of([] { empty_launch(1, 1, 1, 32, 32, 2, 0); }), HasSubstr("2048 threads"));
  EXPECT_THAT(error_of([] { empty_launch(1, 1, 1, 1, 1, 65, 0); }), HasSubstr("per-dimension"));
  EXPECT_THAT(error_of([] { empty_launch(1, 65536, 1, 32, 1, 1, 0); }), HasSubstr("grid"));
  EXPECT_THAT(error_of([] { empty_launch(0, 1, 1, 32, 1, 1, 0); }), HasSubstr("zero"));
  // Dynamic shared memory: 48 KiB without opt-in, up to 227 KiB with it.
  const std::string smem = error_of([] { empty_launch(1, 1, 1, 32, 1, 1, 48 * 1024 + 4); });
  EXPECT_THAT(smem, HasSubstr("dynamic shared memory"));
  EXPECT_THAT(error_of([&] { big_dynamic_shared(100 * 1024, 0, &out); }), HasSubstr("big_shared_kernel"));
  big_dynamic_shared(100 * 1024, 227 * 1024, &out);
  EXPECT_EQ(out, 100.0f * 1024 / 4);
  EXPECT_THAT(error_of([&] { big_dynamic_shared(228 * 1024, 228 * 1024, &out); }), HasSubstr("227 KiB"));
  EXPECT_THAT(error_of([&] { big_dynamic_shared(228 * 1024, 227 * 1024, &out); }), HasSubstr("big_shared_kernel"));
}

TEST(WarpMask, MismatchesThrowNamingTheKernel) {
  for (const char* order : {"forward", "reverse"}) {
    gan::simt::ScopedSchedule scoped(gan::simt::parse_schedule(order));
    std::vector<int> out(32);
    for (int variant : {0, 1, 2}) {
      const std::string msg = error_of([&] { bad_mask(out.data(), variant); });
      EXPECT_THAT(msg, HasSubstr("bad_mask_kernel")) << order << " " << variant;
      EXPECT_THAT(msg, HasSubstr("mask")) << msg;
    }
  }
}

TEST(CpAsync, MissingWaitShowsStaleData) {
  const int n = 512;
  const auto x = random_floats(n, 22, 1.0f, 2.0f);
  std::vector<float> out(n, 0.0f);
  cp_async_exchange(x.data(), out.data(), n, /*wait=*/false);
  for (int i = 0; i < n; ++i) ASSERT_EQ(out[i], -1.0f) << i;  // the value before the copy
}

TEST(Schedule, ParsesOrdersAndRejectsNonsense) {
  EXPECT_EQ(gan::simt::parse_schedule("reverse").order, gan::simt::Order::reverse);
  const auto r = gan::simt::parse_schedule("random:42");
  EXPECT_EQ(r.order, gan::simt::Order::random);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(gan::simt::to_string(r), "random:42");
  EXPECT_THROW(gan::simt::parse_schedule("sideways"), gan::simt::Error);
  EXPECT_THROW(gan::simt::parse_schedule("random:x"), gan::simt::Error);
}

TEST(Emulator, IntrinsicsOutsideAKernelThrow) {
  EXPECT_THROW(gan::simt::dynamic_shared(), gan::simt::Error);
}

// AddressSanitizer sees dynamic shared memory always, static __shared__ only
// in the serial build (GAN_SIMT_SERIAL).
#if defined(__SANITIZE_ADDRESS__)
TEST(AddressSanitizerDeathTest, DynamicSharedOverflowIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<float> out(32);
  EXPECT_DEATH(dynamic_shared_overflow(out.data()), "AddressSanitizer");
}
#if GAN_SIMT_SERIAL
TEST(AddressSanitizerDeathTest, StaticSharedOverflowIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<float> out(32);
  EXPECT_DEATH(static_shared_overflow(out.data()), "AddressSanitizer");
}
#endif
#endif

}  // namespace
}  // namespace gan::simt_test
