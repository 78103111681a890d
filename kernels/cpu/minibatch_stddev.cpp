// Minibatch standard deviation (ProGAN; StyleGAN2's grouping), CPU reference (style.h).
//
// x [N, C, HW] -> y [N, C + 1, HW]. Groups of G samples: M = N / G, sample n in
// group m = n % M (x.reshape(G, M, F)), F = C*HW features. Per group:
//   sigma[m, f] = sqrt(mean_g (x[g*M + m, f] - mu[m, f])^2 + eps), s[m] = mean_f sigma[m, f]
//   y[n, :C] = x[n], y[n, C, :] = s[n % M].
// Backward, ds[m] = sum over the group's samples and HW of dy[n, C, hw]:
//   dx[n, f] = dy[n, f] + ds[m] / F * (x[n, f] - mu[m, f]) / (G * sigma[m, f])
// (the mean's own derivative cancels: the deviations sum to zero).
// Algorithm: per group (parallel over M), features in memory order, the G
// members' two-pass mean/variance in double.
// Napkin math: forward reads x twice (stats + copy) and writes N*(C+1)*HW;
// backward reads x and dy once more than it writes dx.
#include <cmath>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/style.h"

namespace gan::kernels::cpu {
namespace {

// mu and sigma of feature f over the G members of group m.
template <class T>
void group_stats(const MinibatchStdParams& p, const T* x, int64_t m, int64_t f, double& mu, double& sigma) {
  const int64_t groups = p.n / p.group, feat = p.c * p.hw;
  double sum = 0;
  for (int64_t g = 0; g < p.group; ++g) sum += static_cast<double>(x[(g * groups + m) * feat + f]);
  mu = sum / static_cast<double>(p.group);
  double sq = 0;
  for (int64_t g = 0; g < p.group; ++g) {
    const double t = static_cast<double>(x[(g * groups + m) * feat + f]) - mu;
    sq += t * t;
  }
  sigma = std::sqrt(sq / static_cast<double>(p.group) + p.eps);
}

}  // namespace

template <class T>
void minibatch_stddev_fprop(const MinibatchStdParams& p, const T* x, T* y, T* save_s, Stream) {
  style_check::check_minibatch_std("minibatch_stddev_fprop", p);
  if (p.n == 0) return;
  const int64_t groups = p.n / p.group, feat = p.c * p.hw;
  parallel_for(groups, 1, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      double acc = 0, mu = 0, sigma = 0;
      for (int64_t f = 0; f < feat; ++f) {
        group_stats(p, x, m, f, mu, sigma);
        acc += sigma;
      }
      const T s = static_cast<T>(acc / static_cast<double>(feat));
      if (save_s != nullptr) save_s[m] = s;
      for (int64_t g = 0; g < p.group; ++g) {
        const int64_t n = g * groups + m;
        T* yn = y + n * (feat + p.hw);
        for (int64_t f = 0; f < feat; ++f) yn[f] = x[n * feat + f];
        for (int64_t j = 0; j < p.hw; ++j) yn[feat + j] = s;
      }
    }
  });
}

template <class T>
void minibatch_stddev_bprop(const MinibatchStdParams& p, const T* x, const T* dy, T* dx, Stream) {
  style_check::check_minibatch_std("minibatch_stddev_bprop", p);
  if (p.n == 0) return;
  const int64_t groups = p.n / p.group, feat = p.c * p.hw;
  parallel_for(groups, 1, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      double ds = 0;
      for (int64_t g = 0; g < p.group; ++g) {
        const T* dyc = dy + (g * groups + m) * (feat + p.hw) + feat;
        for (int64_t j = 0; j < p.hw; ++j) ds += static_cast<double>(dyc[j]);
      }
      const double coef = ds / static_cast<double>(feat) / static_cast<double>(p.group);
      for (int64_t f = 0; f < feat; ++f) {
        double mu = 0, sigma = 0;
        group_stats(p, x, m, f, mu, sigma);
        for (int64_t g = 0; g < p.group; ++g) {
          const int64_t n = g * groups + m;
          const double xv = static_cast<double>(x[n * feat + f]);
          dx[n * feat + f] =
              static_cast<T>(static_cast<double>(dy[n * (feat + p.hw) + f]) + coef * (xv - mu) / sigma);
        }
      }
    }
  });
}

template void minibatch_stddev_fprop<float>(const MinibatchStdParams&, const float*, float*, float*, Stream);
template void minibatch_stddev_fprop<double>(const MinibatchStdParams&, const double*, double*, double*, Stream);
template void minibatch_stddev_bprop<float>(const MinibatchStdParams&, const float*, const float*, float*, Stream);
template void minibatch_stddev_bprop<double>(const MinibatchStdParams&, const double*, const double*, double*,
                                             Stream);

}  // namespace gan::kernels::cpu
