// Batch norm, CPU reference.
//
// Computes: y = gamma * (x - mean_c) * invstd_c + beta over x viewed as
// [N, C, HW] (NCHW images; [N, C] with hw = 1), statistics per channel c over
// the M = N*HW elements of that channel; plus the training backward and the
// eval forward/backward. Both forwards apply p.act (NormActivation: identity,
// relu, leaky_relu with p.slope) to the double value in the output sweep,
// before the one rounding to T, so BN -> activation writes y once.
// Algorithm: one task per channel (parallel_for over C). Two passes over the
// channel: the mean, then sum (x - mean)^2, both accumulated in double (four
// interleaved accumulators in a fixed order, add_lanes), so the
// variance does not suffer the cancellation of E[x^2] - E[x]^2 when |mean| is
// large against the spread. The backward is also two passes: sum dy and
// sum dy*(x - mean), then dx.
// Napkin math: forward reads x twice and writes y: ~3 * N*C*HW elements moved,
// ~5 flops/element; backward reads x, dy twice and writes dx: ~5 elements moved.
// A channel of a 64x64 batch-64 DCGAN layer is 262144 elements, so C tasks of
// that size parallelize well; C = 3 with tiny HW runs serially (cheap anyway).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/norm.h"

namespace gan::kernels::cpu {
namespace {

// Elements one task should at least touch before it is worth a thread.
constexpr int64_t kGrainElems = 16384;

int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, per_channel));
}

void check_params(const char* kernel, const BatchNormParams& p) {
  if (p.n < 0 || p.c < 0 || p.hw < 0)
    fail(kernel, "negative size (n=" + std::to_string(p.n) + ", c=" + std::to_string(p.c) +
                     ", hw=" + std::to_string(p.hw) + ")");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
  if (p.act != NormActivation::identity && p.act != NormActivation::relu && p.act != NormActivation::leaky_relu)
    fail(kernel, "unknown activation " + std::to_string(static_cast<int>(p.act)));
}

// Visits the M = N*HW elements of channel c as contiguous runs of hw: f(offset, hw).
template <class F>
void for_channel(const BatchNormParams& p, int64_t c, F&& f) {
  for (int64_t i = 0; i < p.n; ++i) f((i * p.c + c) * p.hw);
}

// Sums f(j) for j in [0, n) in double with four interleaved accumulators
// (lane j % 4, added as (l0 + l1) + (l2 + l3) at the end): a fixed order, the
// same for every thread count, that lets the four add chains overlap instead
// of waiting ~4 cycles per element on one (and lets the compiler vectorise).
struct Lanes {
  double l[4] = {0, 0, 0, 0};
  double total() const { return (l[0] + l[1]) + (l[2] + l[3]); }
};
template <class F>
void add_lanes(Lanes& a, int64_t n, F&& f) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    a.l[0] += f(j);
    a.l[1] += f(j + 1);
    a.l[2] += f(j + 2);
    a.l[3] += f(j + 3);
  }
  for (; j < n; ++j) a.l[j & 3] += f(j);
}

}  // namespace

template <class T>
void batch_norm_train_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                            T* save_mean, T* save_invstd, T* running_mean, T* running_var, Stream) {
  constexpr const char* kernel = "batch_norm_train_fprop";
  check_params(kernel, p);
  const int64_t count = p.n * p.hw;
  if (p.c == 0) return;
  if (count == 0) fail(kernel, "no values per channel (n*hw = 0)");
  if (running_var != nullptr && count < 2)
    fail(kernel, "expected more than 1 value per channel to update running_var (n*hw = " +
                     std::to_string(count) + ")");
  parallel_for(p.c, channel_grain(count), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      Lanes sum_l;
      for_channel(p, c, [&](int64_t off) {
        add_lanes(sum_l, p.hw, [&](int64_t j) { return static_cast<double>(x[off + j]); });
      });
      const double mean = sum_l.total() / static_cast<double>(count);
      Lanes sq_l;
      for_channel(p, c, [&](int64_t off) {
        add_lanes(sq_l, p.hw, [&](int64_t j) {
          const double d = static_cast<double>(x[off + j]) - mean;
          return d * d;
        });
      });
      const double sq = sq_l.total();
      const double var = sq / static_cast<double>(count);  // biased: used to normalize
      const double invstd = 1.0 / std::sqrt(var + p.eps);
      const double g = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
      const double b = beta != nullptr ? static_cast<double>(beta[c]) : 0.0;
      const double scale = g * invstd;
      for_channel(p, c, [&](int64_t off) {
        for (int64_t j = 0; j < p.hw; ++j)
          y[off + j] = static_cast<T>(
              norm_activate(p.act, p.slope, (static_cast<double>(x[off + j]) - mean) * scale + b));
      });
      if (save_mean != nullptr) save_mean[c] = static_cast<T>(mean);
      if (save_invstd != nullptr) save_invstd[c] = static_cast<T>(invstd);
      const double mom = p.momentum;
      if (running_mean != nullptr)
        running_mean[c] = static_cast<T>((1.0 - mom) * static_cast<double>(running_mean[c]) + mom * mean);
      if (running_var != nullptr) {
        const double unbiased = sq / static_cast<double>(count - 1);  // as PyTorch
        running_var[c] = static_cast<T>((1.0 - mom) * static_cast<double>(running_var[c]) + mom * unbiased);
      }
    }
  });
}

template <class T>
void batch_norm_eval_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta,
                           const T* running_mean, const T* running_var, T* y, Stream) {
  check_params("batch_norm_eval_fprop", p);
  // Fold into y = x * scale_c + shift_c, computed once per channel in double.
  std::vector<double> scale(static_cast<size_t>(p.c)), shift(static_cast<size_t>(p.c));
  for (int64_t c = 0; c < p.c; ++c) {
    const double g = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
    const double b = beta != nullptr ? static_cast<double>(beta[c]) : 0.0;
    const double s = g / std::sqrt(static_cast<double>(running_var[c]) + p.eps);
    scale[c] = s;
    shift[c] = b - static_cast<double>(running_mean[c]) * s;
  }
  // One task per [HW] plane of the [N*C] planes.
  parallel_for(p.n * p.c, channel_grain(p.hw), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t c = q % p.c;
      const T* xq = x + q * p.hw;
      T* yq = y + q * p.hw;
      for (int64_t j = 0; j < p.hw; ++j)
        yq[j] = static_cast<T>(norm_activate(p.act, p.slope, static_cast<double>(xq[j]) * scale[c] + shift[c]));
    }
  });
}

template <class T>
void batch_norm_train_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                            const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream) {
  constexpr const char* kernel = "batch_norm_train_bprop";
  check_params(kernel, p);
  const int64_t count = p.n * p.hw;
  if (p.c == 0) return;
  if (count == 0) fail(kernel, "no values per channel (n*hw = 0)");
  parallel_for(p.c, channel_grain(count), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double mean = static_cast<double>(save_mean[c]);
      const double invstd = static_cast<double>(save_invstd[c]);
      Lanes dy_l, dy_xmu_l;
      for_channel(p, c, [&](int64_t off) {
        add_lanes(dy_l, p.hw, [&](int64_t j) { return static_cast<double>(dy[off + j]); });
        add_lanes(dy_xmu_l, p.hw, [&](int64_t j) {
          return static_cast<double>(dy[off + j]) * (static_cast<double>(x[off + j]) - mean);
        });
      });
      const double sum_dy = dy_l.total(), sum_dy_xmu = dy_xmu_l.total();
      const double sum_dy_xhat = sum_dy_xmu * invstd;
      if (dgamma != nullptr) dgamma[c] = static_cast<T>(sum_dy_xhat);
      if (dbeta != nullptr) dbeta[c] = static_cast<T>(sum_dy);
      if (dx == nullptr) continue;
      const double g = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
      const double inv_m = 1.0 / static_cast<double>(count);
      const double mean_dy = sum_dy * inv_m;
      // xhat * mean(dy * xhat) == (x - mean) * invstd^2 * mean(dy * (x - mean))
      const double k = sum_dy_xhat * inv_m * invstd;
      const double scale = g * invstd;
      for_channel(p, c, [&](int64_t off) {
        for (int64_t j = 0; j < p.hw; ++j) {
          const double xmu = static_cast<double>(x[off + j]) - mean;
          dx[off + j] = static_cast<T>(scale * (static_cast<double>(dy[off + j]) - mean_dy - xmu * k));
        }
      });
    }
  });
}

template <class T>
void batch_norm_eval_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                           const T* running_mean, const T* running_var, T* dx, T* dgamma, T* dbeta, Stream) {
  check_params("batch_norm_eval_bprop", p);
  const int64_t count = p.n * p.hw;
  parallel_for(p.c, channel_grain(count), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double rm = static_cast<double>(running_mean[c]);
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + p.eps);
      const double scale = (gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0) * invstd;
      double sum_dy = 0, sum_dy_xmu = 0;
      for_channel(p, c, [&](int64_t off) {
        for (int64_t j = 0; j < p.hw; ++j) {
          const double g = static_cast<double>(dy[off + j]);
          sum_dy += g;
          sum_dy_xmu += g * (static_cast<double>(x[off + j]) - rm);
          if (dx != nullptr) dx[off + j] = static_cast<T>(g * scale);
        }
      });
      if (dgamma != nullptr) dgamma[c] = static_cast<T>(sum_dy_xmu * invstd);
      if (dbeta != nullptr) dbeta[c] = static_cast<T>(sum_dy);
    }
  });
}

#define GAN_INSTANTIATE_BATCH_NORM(T)                                                                       \
  template void batch_norm_train_fprop<T>(const BatchNormParams&, const T*, const T*, const T*, T*, T*, T*, \
                                          T*, T*, Stream);                                                  \
  template void batch_norm_eval_fprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,    \
                                         const T*, T*, Stream);                                             \
  template void batch_norm_train_bprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,   \
                                          const T*, T*, T*, T*, Stream);                                    \
  template void batch_norm_eval_bprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,    \
                                         const T*, T*, T*, T*, Stream);
GAN_INSTANTIATE_BATCH_NORM(float)
GAN_INSTANTIATE_BATCH_NORM(double)
#undef GAN_INSTANTIATE_BATCH_NORM

}  // namespace gan::kernels::cpu
