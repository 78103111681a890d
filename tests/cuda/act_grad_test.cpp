// CUDA act_grad (relu / leaky_relu / tanh backward in one pass) vs the CPU
// reference; inputs with zeros and a NaN, outputs NaN-poisoned, sizes not
// multiples of the block (1, 7, 1000, 65537), misaligned and in place.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/act_grad.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

template <class T>
void act_grad_case(k::ActGrad act, double slope, std::size_t n, std::size_t offset) {
  const auto g = random_vector<T>(n, next_seed());
  auto s = random_vector<T>(n, next_seed(), -1.0, 1.0);
  if (n >= 7) {
    s[2] = T(0);
    s[4] = nan_value<T>();
  }
  k::ActGradParams p;
  p.n = static_cast<int64_t>(n);
  p.act = act;
  p.slope = slope;
  std::vector<T> ref(n);
  k::cpu::act_grad<T>(p, g.data(), s.data(), ref.data());
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> dg(g, offset), ds(s, offset), ddx(n, nan_value<T>(), offset);
    k::cuda::act_grad<T>(p, dg.get(), ds.get(), ddx.get());
    err = std::max(err, max_rel_err(ddx.download(), ref));
    DeviceBuffer<T> dg2(g, offset);  // in place: dx is g's buffer
    k::cuda::act_grad<T>(p, dg2.get(), ds.get(), dg2.get());
    err = std::max(err, max_rel_err(dg2.download(), ref));
  });
  // relu / leaky_relu are a select and one multiply, tanh (1 - y) * (1 + y) * g:
  // no multiply-add to contract, so every device computes the CPU's bits.
  const double tol = 0.0;
  check_and_record<T>(cat("act_grad(", k::act_grad_name(act), ")"), cat("[", n, "]", offset ? " +1 misaligned" : ""),
                      orders, err, tol);
}

template <class T>
void act_grad_all() {
  const struct {
    k::ActGrad act;
    double slope;
  } cases[] = {{k::ActGrad::relu, 0}, {k::ActGrad::leaky_relu, 0.2}, {k::ActGrad::tanh, 0}};
  for (const auto& c : cases) {
    for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65537}}) {
      act_grad_case<T>(c.act, c.slope, n, 0);
    }
    act_grad_case<T>(c.act, c.slope, 1001, 1);
  }
}

TEST(CudaActGrad, Float) {
  GAN_REQUIRE_DEVICE();
  act_grad_all<float>();
}
TEST(CudaActGrad, Double) {
  GAN_REQUIRE_DEVICE();
  act_grad_all<double>();
}

}  // namespace
}  // namespace gan::cuda_test
