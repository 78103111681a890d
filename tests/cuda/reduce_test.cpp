// CUDA reductions vs the CPU reference: every op over odd [outer, reduce,
// inner] shapes covering both kernels (rows: warp per row and block per row;
// columns), empty axes, NaN rows, and a large mean offset for var.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/reduce.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

struct Shape3 {
  int64_t outer, reduce, inner;
};

const Shape3 kShapes[] = {
    {1, 1, 1},     {13, 300, 1},  // rows, a warp per row (reduce <= 512)
    {7, 1000, 1},  {1, 2049, 1},  // rows, a block per row, odd lengths
    {3, 1, 7},     {5, 37, 33},   // columns, inner not a multiple of 32
    {2, 700, 3},   {1, 9, 100},   {4, 0, 3},  // empty axis: sum 0, mean/var NaN
};

template <class T>
void reduce_case(k::ReduceOp op, const Shape3& s, int64_t correction, double shift) {
  if (s.reduce == 0 && (op == k::ReduceOp::max || op == k::ReduceOp::min)) return;
  const std::size_t n = static_cast<std::size_t>(s.outer * s.reduce * s.inner);
  auto x = random_vector<T>(n, next_seed(), shift - 1.0, shift + 1.0);
  if (n > 10 && (op == k::ReduceOp::max || op == k::ReduceOp::min)) x[n / 2] = nan_value<T>();  // one NaN output
  const k::ReduceParams p{s.outer, s.reduce, s.inner, correction};
  std::vector<T> ref(static_cast<std::size_t>(s.outer * s.inner));
  k::cpu::reduce<T>(p, op, x.data(), ref.data());
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> dx(x), dy(ref.size(), nan_value<T>());
    k::cuda::reduce<T>(p, op, dx.get(), dy.get());
    err = std::max(err, max_rel_err(dy.download(), ref));
  });
  std::string shapes = shape_str({s.outer, s.reduce, s.inner});
  if (op == k::ReduceOp::var) shapes = cat(shapes, " correction=", correction);
  if (shift != 0) shapes = cat(shapes, " mean~", static_cast<int>(shift));
  // Both sides accumulate in double: differences are summation order only.
  check_and_record<T>(cat("reduce(", k::reduce_op_name(op), ")"), shapes, orders, err,
                      std::is_same_v<T, float> ? 2e-7 : 1e-10);
}

template <class T>
void reduce_all() {
  for (auto op : {k::ReduceOp::sum, k::ReduceOp::mean, k::ReduceOp::max, k::ReduceOp::min}) {
    for (const auto& s : kShapes) reduce_case<T>(op, s, 0, 0.0);
  }
  for (const auto& s : kShapes) {
    reduce_case<T>(k::ReduceOp::var, s, 0, 0.0);
    reduce_case<T>(k::ReduceOp::var, s, 1, 0.0);
  }
  // Two-pass var with a large mean (E[x^2] - E[x]^2 would cancel).
  reduce_case<T>(k::ReduceOp::var, {3, 1000, 1}, 1, 1000.0);
  reduce_case<T>(k::ReduceOp::var, {2, 100, 5}, 1, 1000.0);
}

TEST(CudaReduce, Float) {
  GAN_REQUIRE_DEVICE();
  reduce_all<float>();
}
TEST(CudaReduce, Double) {
  GAN_REQUIRE_DEVICE();
  reduce_all<double>();
}

TEST(CudaReduce, ErrorsNameTheKernel) {
  GAN_REQUIRE_DEVICE();
  float dummy[4] = {};
  EXPECT_THROW(k::cuda::reduce<float>({2, 0, 1, 0}, k::ReduceOp::max, dummy, dummy), k::KernelError);
  EXPECT_THROW(k::cuda::reduce<float>({-1, 2, 1, 0}, k::ReduceOp::sum, dummy, dummy), k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test
