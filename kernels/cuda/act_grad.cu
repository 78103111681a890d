// CUDA activation backward dx = g * act'(s) (act_grad.h); same launcher as the
// CPU reference (kernels/cpu/act_grad.cpp), in namespace gan::kernels::cuda.
//
// Algorithm: one grid-stride loop per activation (template on the activation,
// so the switch happens on the host). The factors are the reference's, in T,
// so CUDA agrees with the CPU bit for bit. tanh's 1 - y^2 is (1 - y) * (1 + y):
// written as 1 - y * y, nvcc contracts it to an FMA that the CPU does not use,
// and near |y| = 1 either rounding of y * y is most of the small result (the
// first H200 run measured 8e-5 relative in f32); 1 - y is exact there.
// Napkin math: memory bound, 12 B per float element; 0.8M elements (DCGAN's
// largest activation) move 9.6 MB: ~4 us on an H100.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/act_grad.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

template <class T, ActGrad A>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    act_grad_kernel(int64_t n, T pos, T neg, const T* __restrict__ g, const T* __restrict__ s, T* dx) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T si = s[i];
    if constexpr (A == ActGrad::tanh) {
      dx[i] = g[i] * ((T(1) - si) * (T(1) + si));
    } else {
      dx[i] = g[i] * (si > T(0) ? pos : neg);
    }
  }
}

}  // namespace

template <class T>
void act_grad(const ActGradParams& p, const T* g, const T* s, T* dx, Stream st) {
  constexpr const char* kernel = "act_grad";
  if (p.n < 0) fail(kernel, "negative size n " + std::to_string(p.n));
  if (p.n == 0) return;
  const T a = static_cast<T>(1.0 - p.slope), b = static_cast<T>(p.slope);
  switch (p.act) {
    case ActGrad::relu:
      GAN_LAUNCH(grid_for(p.n), kThreads, 0, stream_of(st), act_grad_kernel<T, ActGrad::relu>)(p.n, T(1), T(0), g, s,
                                                                                              dx);
      break;
    case ActGrad::leaky_relu:
      GAN_LAUNCH(grid_for(p.n), kThreads, 0, stream_of(st), act_grad_kernel<T, ActGrad::leaky_relu>)(
          p.n, T(1) * a + b, T(0) * a + b, g, s, dx);
      break;
    case ActGrad::tanh:
      GAN_LAUNCH(grid_for(p.n), kThreads, 0, stream_of(st), act_grad_kernel<T, ActGrad::tanh>)(p.n, T(1), T(0), g, s,
                                                                                              dx);
      break;
    default: fail(kernel, "unknown activation " + std::to_string(static_cast<int>(p.act)));
  }
  check_launch(kernel);
}

template void act_grad<float>(const ActGradParams&, const float*, const float*, float*, Stream);
template void act_grad<double>(const ActGradParams&, const double*, const double*, double*, Stream);

}  // namespace gan::kernels::cuda
