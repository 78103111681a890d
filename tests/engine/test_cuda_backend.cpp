// The CUDA backend core seen from the engine: caching allocator, device
// storage, transfers, and the errors of mixing devices. Runs on the SIMT
// emulator's runtime in the sim flavour and on a real GPU in the cuda flavour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gan/cuda/caching_allocator.h"
#include "gan/cuda/runtime.h"
#include "gan/dispatch.h"
#include "gan/ops.h"

namespace gan {
namespace {

using ::testing::HasSubstr;

#define REQUIRE_DEVICE()                                                                 \
  if (!cuda::available())                                                                \
  GTEST_SKIP() << "no CUDA device (backend '" << cuda::backend_name() << "'): the sim " \
               << "flavour runs these on the emulator"

TEST(CachingAllocator, ReusesFreedBlocksWithoutDeviceCalls) {
  REQUIRE_DEVICE();
  cuda::CachingAllocator a;
  void* p = a.allocate(1000);
  a.deallocate(p);
  void* q = a.allocate(900);  // same 1024-byte size class
  EXPECT_EQ(p, q);
  EXPECT_EQ(a.stats().device_allocations, 1);
  a.deallocate(q);
}

TEST(CachingAllocator, SmallRequestsShareOneSegment) {
  REQUIRE_DEVICE();
  cuda::CachingAllocator a;
  void* p = a.allocate(1024);
  void* q = a.allocate(4096);
  EXPECT_EQ(a.stats().device_allocations, 1);
  EXPECT_EQ(a.stats().reserved, cuda::CachingAllocator::kSmallSegment);
  EXPECT_EQ(a.stats().allocated, 1024u + 4096u);
  EXPECT_EQ(static_cast<char*>(q) - static_cast<char*>(p), 1024);  // split in order
  a.deallocate(p);
  a.deallocate(q);
  EXPECT_EQ(a.stats().allocated, 0u);
}

TEST(CachingAllocator, LargeSegmentIsSplitAndMergedBack) {
  REQUIRE_DEVICE();
  cuda::CachingAllocator a;
  void* p = a.allocate(5 << 20);   // takes a 20 MiB segment
  void* q = a.allocate(12 << 20);  // fits in the 15 MiB remainder
  EXPECT_EQ(a.stats().device_allocations, 1);
  EXPECT_EQ(a.stats().reserved, cuda::CachingAllocator::kMinLargeSegment);
  a.deallocate(p);
  a.deallocate(q);
  void* r = a.allocate(19 << 20);  // only possible if the pieces merged again
  EXPECT_EQ(r, p);
  EXPECT_EQ(a.stats().device_allocations, 1);
  a.deallocate(r);
}

TEST(CachingAllocator, EmptyCacheReturnsWholeFreeSegments) {
  REQUIRE_DEVICE();
  cuda::CachingAllocator a;
  void* p = a.allocate(100);
  void* q = a.allocate(30 << 20);
  a.deallocate(q);
  a.empty_cache();  // the large segment is free and whole; the small one is in use
  EXPECT_EQ(a.stats().device_frees, 1);
  EXPECT_EQ(a.stats().reserved, cuda::CachingAllocator::kSmallSegment);
  a.deallocate(p);
  a.empty_cache();
  EXPECT_EQ(a.stats().reserved, 0u);
  EXPECT_EQ(a.stats().device_frees, 2);
  EXPECT_EQ(a.stats().peak_reserved, cuda::CachingAllocator::kSmallSegment + (30u << 20));
}

TEST(CachingAllocator, ForeignPointerIsAnError) {
  REQUIRE_DEVICE();
  cuda::CachingAllocator a;
  int x = 0;
  EXPECT_THROW(a.deallocate(&x), Error);
  void* p = a.allocate(64);
  a.deallocate(p);
  EXPECT_THROW(a.deallocate(p), Error);  // double free
}

TEST(CachingAllocator, TrainingLikeLoopReachesSteadyStateWithoutLeaks) {
  REQUIRE_DEVICE();
  auto& a = cuda::device_allocator(0);
  const size_t before = a.stats().allocated;
  int64_t allocations_after_first = 0;
  Generator gen(1);
  for (int it = 0; it < 20; ++it) {
    // Activations of varied sizes created and dropped each step, like a forward/backward pass.
    std::vector<Tensor> live;
    for (int64_t n : {64 * 128, 64 * 1 * 28 * 28, 64 * 64 * 14 * 14, 100, 3}) {
      live.push_back(Tensor::empty({n}, Options{DType::f32, Device::cuda(0)}));
    }
    live.clear();
    if (it == 0) allocations_after_first = a.stats().device_allocations;
  }
  EXPECT_EQ(a.stats().device_allocations, allocations_after_first);  // every later step reused the cache
  EXPECT_EQ(a.stats().allocated, before);                              // nothing leaked
}

TEST(CudaTensor, RoundTripPreservesValuesAndDtype) {
  REQUIRE_DEVICE();
  Generator gen(5);
  const Tensor x = Tensor::randn({3, 5}, gen);
  const Tensor d = x.to(Device::cuda(0));
  EXPECT_TRUE(d.device().is_cuda());
  EXPECT_EQ(d.to(Device::cpu()).to_vector<float>(), x.to_vector<float>());
  const Tensor d64 = d.to(DType::f64);
  EXPECT_EQ(d64.device(), Device::cuda(0));
  EXPECT_EQ(d64.to_vector<double>()[7], static_cast<double>(x.to_vector<float>()[7]));
  EXPECT_EQ(d.clone().to_vector<float>(), x.to_vector<float>());
  Tensor z = Tensor::zeros({4}, {DType::f32, Device::cuda(0)});
  z.fill_(2.5);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f}));
}

TEST(CudaTensor, GradientFlowsBackAcrossDevices) {
  REQUIRE_DEVICE();
  Tensor x = Tensor::from_data({2}, std::vector<float>{1, 2});
  x.requires_grad_();
  Tensor d = x.to(Device::cuda(0));
  Tensor back = d.to(Device::cpu());
  ops::sum(back * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{3, 3}));
}

TEST(CudaTensor, MixingDevicesInOneOpNamesBoth) {
  REQUIRE_DEVICE();
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({2, 3}, {DType::f32, Device::cuda(0)});
  try {
    ops::add(a, b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("add"));
    EXPECT_THAT(e.what(), HasSubstr("cpu"));
    EXPECT_THAT(e.what(), HasSubstr("cuda:0"));
  }
}

// Every engine op now has CUDA kernels; the CPU-only dispatch (for extensions
// and host-side helpers) must still refuse a CUDA tensor, naming the op.
TEST(CudaTensor, CpuOnlyDispatchRefusesCudaTensorsNamingTheOp) {
  REQUIRE_DEVICE();
  Tensor x = Tensor::zeros({1, 1, 4, 4}, {DType::f32, Device::cuda(0)});
  bool ran = false;
  try {
    dispatch_float("my_cpu_only_op", x, [&]<class T>() { ran = true; });
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("my_cpu_only_op"));
    EXPECT_THAT(e.what(), HasSubstr("no CUDA kernel"));
    EXPECT_THAT(e.what(), HasSubstr("[1, 1, 4, 4]"));
  }
  EXPECT_FALSE(ran);
}

TEST(CudaRuntime, PropertiesDescribeTheDevice) {
  REQUIRE_DEVICE();
  const auto p = cuda::properties(0);
  EXPECT_FALSE(p.name.empty());
  EXPECT_GE(p.major, 8);
  EXPECT_GT(p.sm_count, 0);
}

}  // namespace
}  // namespace gan
