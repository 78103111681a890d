// CUDA strided copy / accumulate / cast copy vs the CPU reference: contiguous
// (aligned and misaligned), permute, slice with step, flip (negative stride),
// broadcast source (stride 0), concat into a slice, int64 labels.
#include <cstring>
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/copy.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

struct CopyCase {
  std::string name;
  std::vector<int64_t> shape, src_stride, dst_stride;
  int64_t src_begin = 0, dst_begin = 0;  // element offset of idx = 0 in each buffer
  std::size_t src_size = 0, dst_size = 0;
  std::size_t misalign = 0;
};

k::StridedCopyParams params(const CopyCase& c) {
  k::StridedCopyParams p;
  p.ndim = static_cast<int>(c.shape.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = c.shape[d];
    p.src_stride[d] = c.src_stride[d];
    p.dst_stride[d] = c.dst_stride[d];
  }
  return p;
}

std::vector<CopyCase> copy_cases() {
  return {
      {"contiguous [1001]", {1001}, {1}, {1}, 0, 0, 1001, 1001},
      {"contiguous [1001] +1 misaligned", {1001}, {1}, {1}, 0, 0, 1001, 1001, 1},
      {"scalar []", {}, {}, {}, 0, 0, 1, 1},
      {"permute [4,5,6]->(2,0,1)", {6, 4, 5}, {1, 30, 6}, {20, 5, 1}, 0, 0, 120, 120},
      {"transpose [33,65]", {65, 33}, {1, 65}, {33, 1}, 0, 0, 2145, 2145},
      {"slice [::2, 3:10] of [20,16]", {10, 7}, {32, 1}, {7, 1}, 3, 0, 320, 70},
      {"flip [50] (stride -1)", {50}, {-1}, {1}, 49, 0, 50, 50},
      {"broadcast src [1,40] -> [9,40]", {9, 40}, {0, 1}, {40, 1}, 0, 0, 40, 360},
      {"concat part: [3,7] into [3,12] at col 5", {3, 7}, {7, 1}, {12, 1}, 0, 5, 21, 36},
  };
}

template <class From, class To, class Launch, class Ref>
void copy_case(const std::string& kernel, const CopyCase& c, Launch launch, Ref ref_launch) {
  const auto p = params(c);
  std::vector<From> src(c.src_size);
  {
    const auto r = random_vector<double>(c.src_size, next_seed(), -100.0, 100.0);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<From>(r[i]);
  }
  // dst starts from random values: accumulate adds to them, copy must leave the rest untouched.
  std::vector<To> dst0(c.dst_size);
  {
    const auto r = random_vector<double>(c.dst_size, next_seed(), -100.0, 100.0);
    for (std::size_t i = 0; i < dst0.size(); ++i) dst0[i] = static_cast<To>(r[i]);
  }
  std::vector<To> ref = dst0;
  ref_launch(p, src.data() + c.src_begin, ref.data() + c.dst_begin);
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<From> ds(src, c.misalign);
    DeviceBuffer<To> dd(dst0, c.misalign);
    launch(p, ds.get() + c.src_begin, dd.get() + c.dst_begin);
    const auto got = dd.download();
    if constexpr (std::is_same_v<To, int64_t>) {
      err = std::max(err, got == ref ? 0.0 : INFINITY);
    } else {
      err = std::max(err, max_rel_err(got, ref));
    }
  });
  check_and_record<To>(kernel, c.name, orders, err, 0.0);
}

TEST(CudaCopy, StridedCopy) {
  GAN_REQUIRE_DEVICE();
  for (const auto& c : copy_cases()) {
    copy_case<float, float>(
        "strided_copy", c, [](auto& p, auto* s, auto* d) { k::cuda::strided_copy<float>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_copy<float>(p, s, d); });
    copy_case<double, double>(
        "strided_copy", c, [](auto& p, auto* s, auto* d) { k::cuda::strided_copy<double>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_copy<double>(p, s, d); });
    copy_case<int64_t, int64_t>(
        "strided_copy", c, [](auto& p, auto* s, auto* d) { k::cuda::strided_copy<int64_t>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_copy<int64_t>(p, s, d); });
  }
}

TEST(CudaCopy, StridedAccumulate) {
  GAN_REQUIRE_DEVICE();
  for (const auto& c : copy_cases()) {
    copy_case<float, float>(
        "strided_accumulate", c, [](auto& p, auto* s, auto* d) { k::cuda::strided_accumulate<float>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_accumulate<float>(p, s, d); });
    copy_case<double, double>(
        "strided_accumulate", c, [](auto& p, auto* s, auto* d) { k::cuda::strided_accumulate<double>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_accumulate<double>(p, s, d); });
  }
}

TEST(CudaCopy, StridedCastCopy) {
  GAN_REQUIRE_DEVICE();
  for (const auto& c : copy_cases()) {
    copy_case<float, double>(
        "strided_cast_copy<f32,f64>", c,
        [](auto& p, auto* s, auto* d) { k::cuda::strided_cast_copy<float, double>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_cast_copy<float, double>(p, s, d); });
    copy_case<double, float>(
        "strided_cast_copy<f64,f32>", c,
        [](auto& p, auto* s, auto* d) { k::cuda::strided_cast_copy<double, float>(p, s, d); },
        [](auto& p, auto* s, auto* d) { k::cpu::strided_cast_copy<double, float>(p, s, d); });
  }
}

TEST(CudaCopy, ErrorsNameTheKernel) {
  GAN_REQUIRE_DEVICE();
  k::StridedCopyParams p;
  p.ndim = 9;
  float dummy[2] = {};
  try {
    k::cuda::strided_copy<float>(p, dummy, dummy);
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("strided_copy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gan::cuda_test
