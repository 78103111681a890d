// StepReadback (models/src/step_readback.h): a training step's numbers, queued
// as [] tensors and read back in one copy per device. Destinations get their
// value (+ the host part; sqrt for gradient norms), logged scalars are appended
// in queue order, and the first checked non-finite entry is reported (in
// queue order, unchecked ones never). On the emulator, f32, f64 and i64
// entries on one device still cost one copy.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "gan/cuda/runtime.h"
#include "gan/error.h"
#include "step_readback.h"

namespace gan::models {
namespace {

void fill_and_read(const Device& dev, std::vector<double>& out, std::vector<std::pair<std::string, double>>& logged,
                   std::string& bad) {
  const Options f32 = Options{DType::f32}.with(dev), f64 = Options{DType::f64}.with(dev),
                i64 = Options{DType::i64}.with(dev);
  StepReadback rb;
  out.assign(5, -1.0);
  rb.add("a", Tensor::scalar(1.5, f32), &out[0]);
  rb.add("b", Tensor::scalar(0.25, f64), &out[1], true, /*host=*/2.0);
  rb.add("norm", Tensor::scalar(9.0, f32), &out[2], true, 0.0, /*root=*/true);
  rb.add("count", Tensor::scalar(7.0, i64), &out[3], false);
  rb.add("host_only", Tensor(), &out[4], true, 3.0);
  rb.add("unchecked_nan", Tensor::scalar(NAN, f32), nullptr, /*check=*/false);
  rb.add_logged(Logged("acc", Tensor::scalar(0.75, f32)), &logged);
  rb.add_logged(Logged("first_bad", Tensor::scalar(INFINITY, f64)), &logged);
  rb.add_logged(Logged("second_bad", NAN), &logged);
  rb.read([&](const std::string& name, double) {
    if (bad.empty()) bad = name;
  });
}

TEST(StepReadback, ValuesLandInQueueOrderAndTheFirstBadOneIsNamed) {
  std::vector<double> out;
  std::vector<std::pair<std::string, double>> logged;
  std::string bad;
  fill_and_read(Device::cpu(), out, logged, bad);
  EXPECT_EQ(out, (std::vector<double>{1.5, 2.25, 3.0, 7.0, 3.0}));
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[0], (std::pair<std::string, double>{"acc", 0.75}));
  EXPECT_EQ(logged[1].first, "first_bad");
  EXPECT_EQ(bad, "first_bad") << "queue order; the unchecked NaN is not reported";
  StepReadback rb;
  EXPECT_THROW(rb.add("wide", Tensor::zeros({2}), nullptr), Error);
}

TEST(StepReadback, MixedDtypesOnADeviceAreOneCopy) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device in this build (" << cuda::backend_name() << ")";
  std::vector<double> out;
  std::vector<std::pair<std::string, double>> logged;
  std::string bad;
  const uint64_t before = cuda::device_to_host_copies();
  fill_and_read(Device::cuda(0), out, logged, bad);
  EXPECT_EQ(cuda::device_to_host_copies() - before, 1u);
  EXPECT_EQ(out, (std::vector<double>{1.5, 2.25, 3.0, 7.0, 3.0}));
  EXPECT_EQ(bad, "first_bad");
}

}  // namespace
}  // namespace gan::models
