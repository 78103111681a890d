// AdaIN with fused noise injection and leaky-ReLU, CPU reference (style.h).
//
// Computes, per row (n, c) of x [N, C, HW]:
//   p = x + noise_scale[c] * noise[n, hw] (optional), t = leaky_relu(p, slope),
//   y = gamma[n, c] * (t - mean) * invstd + beta[n, c],
// mean/invstd the biased instance-norm statistics of t (PyTorch instance_norm).
// Algorithm: one task per row (parallel_for over N*C); the statistics are one
// pass (sum and sum of squares in double; var = E[t^2] - mean^2, clamped at 0:
// double holds the cancellation for float data, |mean| / std up to ~1e4 keeps
// 1e-8 relative), the output a second pass. Backward is two passes per row
// (the two sums of g and g*that, then dx), recomputing t from x so nothing but
// the [N, C] statistics is saved.
// Napkin math: forward reads x (and noise) twice, writes y: ~3*N*C*HW elements;
// backward reads x, dy twice, writes dx: ~5*N*C*HW.
#include <algorithm>
#include <cmath>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/style.h"

namespace gan::kernels::cpu {
namespace {

int64_t row_grain(int64_t per_row) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, per_row)); }

// Pre-activation p and its activation t for element j of row (n, c).
// kNoise / kAct are compile-time so the plain AdaIN loop carries no dead work,
// and the leaky-ReLU is branchless (a two-entry factor table indexed by the
// sign): with random signs a branch mispredicts half the time, and GCC 12
// compiled std::min(v, 0.0) to one (perf: ~2.5x the whole forward).
template <class T, bool kNoise, bool kAct>
struct RowInput {
  const T* x;
  const T* noise;  // row n of noise [N, HW], or nullptr
  double scale;
  double factor[2];  // {1, slope}: the leaky-ReLU slope for v >= 0 and v < 0
  double pre(int64_t j) const {
    double v = static_cast<double>(x[j]);
    if constexpr (kNoise) v += scale * static_cast<double>(noise[j]);
    return v;
  }
  double act(double v) const {
    if constexpr (kAct) return v * factor[v < 0];
    return v;
  }
  double act_grad(double v) const {  // the derivative at 0 is 1, as in the CUDA kernel
    if constexpr (kAct) return factor[v < 0];
    return 1.0;
  }
};

template <class T, bool kNoise, bool kAct>
RowInput<T, kNoise, kAct> row_input(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale,
                                    int64_t row) {
  const int64_t n = row / p.c, c = row % p.c;
  return {x + row * p.hw, kNoise ? noise + n * p.hw : nullptr, kNoise ? static_cast<double>(noise_scale[c]) : 0.0,
          {1.0, p.slope}};
}

// Calls f.template operator()<kNoise, kAct>() for the runtime flags.
template <class F>
void with_flags(bool noise, bool act, F&& f) {
  if (noise) {
    if (act) f.template operator()<true, true>();
    else f.template operator()<true, false>();
  } else {
    if (act) f.template operator()<false, true>();
    else f.template operator()<false, false>();
  }
}

template <class T, bool kNoise, bool kAct>
void fprop_rows(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                const T* beta, T* y, T* save_mean, T* save_invstd, int64_t r0, int64_t r1) {
  const int64_t hw = p.hw;
  for (int64_t row = r0; row < r1; ++row) {
    const auto in = row_input<T, kNoise, kAct>(p, x, noise, noise_scale, row);
    double sum = 0, sq = 0;
    for (int64_t j = 0; j < hw; ++j) {
      const double t = in.act(in.pre(j));
      sum += t;
      sq += t * t;
    }
    const double mean = sum / static_cast<double>(hw);
    const double var = std::max(0.0, sq / static_cast<double>(hw) - mean * mean);
    const double invstd = 1.0 / std::sqrt(var + p.eps);
    const double g = static_cast<double>(gamma[row]) * invstd, b = static_cast<double>(beta[row]);
    T* yr = y + row * hw;
    for (int64_t j = 0; j < hw; ++j) yr[j] = static_cast<T>((in.act(in.pre(j)) - mean) * g + b);
    if (save_mean != nullptr) save_mean[row] = static_cast<T>(mean);
    if (save_invstd != nullptr) save_invstd[row] = static_cast<T>(invstd);
  }
}

template <class T, bool kNoise, bool kAct>
void bprop_rows(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma, const T* dy,
                const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta, T* dscale_part, int64_t r0,
                int64_t r1) {
  const int64_t hw = p.hw;
  for (int64_t row = r0; row < r1; ++row) {
    const auto in = row_input<T, kNoise, kAct>(p, x, noise, noise_scale, row);
    const T* dyr = dy + row * hw;
    const double mean = static_cast<double>(save_mean[row]);
    const double invstd = static_cast<double>(save_invstd[row]);
    double sum_dy = 0, sum_dy_that = 0;
    for (int64_t j = 0; j < hw; ++j) {
      const double d = static_cast<double>(dyr[j]);
      sum_dy += d;
      sum_dy_that += d * (in.act(in.pre(j)) - mean) * invstd;
    }
    if (dgamma != nullptr) dgamma[row] = static_cast<T>(sum_dy_that);
    if (dbeta != nullptr) dbeta[row] = static_cast<T>(sum_dy);
    if (dx == nullptr && dscale_part == nullptr) continue;
    // g = gamma * dy: mean(g) = gamma * sum_dy / hw, mean(g * that) = gamma * sum_dy_that / hw.
    const double gm = static_cast<double>(gamma[row]);
    const double a = gm * sum_dy / static_cast<double>(hw), b = gm * sum_dy_that / static_cast<double>(hw);
    double part = 0;
    for (int64_t j = 0; j < hw; ++j) {
      const double pre = in.pre(j);
      const double that = (in.act(pre) - mean) * invstd;
      const double d = in.act_grad(pre) * invstd * (gm * static_cast<double>(dyr[j]) - a - that * b);
      if (dx != nullptr) dx[row * hw + j] = static_cast<T>(d);
      if constexpr (kNoise) part += d * static_cast<double>(in.noise[j]);
    }
    if (dscale_part != nullptr) dscale_part[row] = static_cast<T>(part);
  }
}

}  // namespace

template <class T>
void adain_fprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* beta, T* y, T* save_mean, T* save_invstd, Stream) {
  style_check::check_adain("adain_fprop", p, noise != nullptr, noise_scale != nullptr);
  with_flags(noise != nullptr, p.slope != 1.0, [&]<bool kNoise, bool kAct>() {
    parallel_for(p.n * p.c, row_grain(p.hw), [&](int64_t r0, int64_t r1) {
      fprop_rows<T, kNoise, kAct>(p, x, noise, noise_scale, gamma, beta, y, save_mean, save_invstd, r0, r1);
    });
  });
}

template <class T>
void adain_bprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* dy, const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                 T* dscale_part, Stream) {
  style_check::check_adain("adain_bprop", p, noise != nullptr, noise_scale != nullptr);
  with_flags(noise != nullptr, p.slope != 1.0, [&]<bool kNoise, bool kAct>() {
    parallel_for(p.n * p.c, row_grain(p.hw), [&](int64_t r0, int64_t r1) {
      bprop_rows<T, kNoise, kAct>(p, x, noise, noise_scale, gamma, dy, save_mean, save_invstd, dx, dgamma, dbeta,
                                  dscale_part, r0, r1);
    });
  });
}

#define GAN_INSTANTIATE_ADAIN(T)                                                                             \
  template void adain_fprop<T>(const AdaINParams&, const T*, const T*, const T*, const T*, const T*, T*, T*, T*, \
                               Stream);                                                                      \
  template void adain_bprop<T>(const AdaINParams&, const T*, const T*, const T*, const T*, const T*, const T*,   \
                               const T*, T*, T*, T*, T*, Stream);
GAN_INSTANTIATE_ADAIN(float)
GAN_INSTANTIATE_ADAIN(double)
#undef GAN_INSTANTIATE_ADAIN

}  // namespace gan::kernels::cpu
