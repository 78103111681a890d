// Losses and softmax, CPU reference.
//
// Computes: per-element BCE-with-logits and squared error (reduction "none",
// the engine reduces), softmax / log-softmax over the last dim of [M, D] rows,
// and cross entropy with int64 class labels [M] on logits [M, D].
// Numerics: BCE uses max(x, 0) - x*t + log1p(exp(-|x|)), whose exp argument is
// never positive, and sigmoid is evaluated from exp(-|x|) on both sides, so
// logits of +-100 give exact-limit values instead of Inf/NaN. Softmax subtracts
// the row max before exp (one exp per element, in T's precision) and sums in
// double; log-softmax is x - max - log(sum), never log(softmax) (which would be
// log(0) = -Inf for far-off logits).
// Algorithm: elementwise ops split n into contiguous chunks; row ops are one
// task per row (parallel_for over M).
// Napkin math: elementwise ~2-3 elements moved per element, one exp + log1p;
// softmax reads x twice (max, exp) and y once, writes y twice: ~5*M*D elements
// moved, M*D exps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/loss.h"

namespace gan::kernels::cpu {
namespace {

constexpr int64_t kGrainElems = 16384;

int64_t row_grain(int64_t d) { return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, d)); }

void check_n(const char* kernel, int64_t n) {
  if (n < 0) fail(kernel, "negative size (n=" + std::to_string(n) + ")");
}

void check_md(const char* kernel, int64_t m, int64_t d) {
  if (m < 0 || d < 0) fail(kernel, "negative size (m=" + std::to_string(m) + ", d=" + std::to_string(d) + ")");
}

// Row max and log(sum exp(x - max)) of one row of d > 0 elements, in double.
template <class T>
void row_logsumexp(const T* x, int64_t d, double& max, double& log_sum) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < d; ++j) mx = std::max(mx, static_cast<double>(x[j]));
  // All -Inf: keep the subtraction finite (every exp is 0, sum 0, log -Inf, as PyTorch).
  if (std::isinf(mx) && mx < 0) mx = 0;
  double sum = 0;
  for (int64_t j = 0; j < d; ++j) sum += std::exp(static_cast<double>(x[j]) - mx);
  max = mx;
  log_sum = std::log(sum);
}

template <class T>
void log_softmax_rows(int64_t m, int64_t d, const T* x, T* y) {
  parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* xi = x + i * d;
      T* yi = y + i * d;
      double mx, lse;
      row_logsumexp(xi, d, mx, lse);
      for (int64_t j = 0; j < d; ++j) yi[j] = static_cast<T>(static_cast<double>(xi[j]) - mx - lse);
    }
  });
}

}  // namespace

template <class T>
void bce_with_logits_fprop(int64_t n, const T* logits, const T* target, T* loss, Stream) {
  check_n("bce_with_logits_fprop", n);
  parallel_for(n, kGrainElems, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double x = static_cast<double>(logits[i]);
      const double t = static_cast<double>(target[i]);
      loss[i] = static_cast<T>(std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x))));
    }
  });
}

template <class T>
void bce_with_logits_bprop(int64_t n, const T* logits, const T* target, const T* dloss, T* dlogits, Stream) {
  check_n("bce_with_logits_bprop", n);
  parallel_for(n, kGrainElems, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double x = static_cast<double>(logits[i]);
      // sigmoid from z = exp(-|x|) in (0, 1]: no overflow for either sign.
      const double z = std::exp(-std::abs(x));
      const double sig = x >= 0 ? 1.0 / (1.0 + z) : z / (1.0 + z);
      dlogits[i] = static_cast<T>((sig - static_cast<double>(target[i])) * static_cast<double>(dloss[i]));
    }
  });
}

template <class T>
void mse_fprop(int64_t n, const T* x, const T* target, T* loss, Stream) {
  check_n("mse_fprop", n);
  parallel_for(n, kGrainElems, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T r = x[i] - target[i];
      loss[i] = r * r;
    }
  });
}

template <class T>
void mse_bprop(int64_t n, const T* x, const T* target, const T* dloss, T* dx, Stream) {
  check_n("mse_bprop", n);
  parallel_for(n, kGrainElems, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] = T(2) * (x[i] - target[i]) * dloss[i];
  });
}

// exp(v) for v <= 0 (softmax's x - max), in float, written so that GCC
// vectorizes the row loop (no calls, no branches: std::exp is a libm call per
// element, ~4 ns; the attention maps of SAGAN / BigGAN are 64 x 256 x 256 per
// call, and their softmax was a quarter of BigGAN-lite's CPU step; the
// selects need -fno-trapping-math, set for this file in kernels/CMakeLists.txt). Cephes'
// expf: v = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so r is
// exact), exp(r) by its degree-7 Taylor-fitted polynomial, times 2^n from the
// exponent bits. Within 2 ulp of exp on [-87, 0] (tests/kernels/test_loss.cpp
// checks every 2^-10 step against double exp); exp(0) = 1 exactly; below -87
// (exp < 1.7e-38, below float's normal range) it is 0, where exp would give a
// denormal; NaN stays NaN; v > 0 is not its domain.
inline float exp_nonpositive(float v) {
  // c in [-87, 0] whatever v is (NaN -> 0), so the int conversion below is defined.
  const float c = v < -87.0f ? -87.0f : (v <= 0.0f ? v : 0.0f);
  const float fx = c * 1.44269504088896341f + 0.5f;
  int n = static_cast<int>(fx);  // truncation; floor for fx < 0 below
  n -= static_cast<float>(n) > fx ? 1 : 0;
  const float nf = static_cast<float>(n);
  const float r = (c - nf * 0.693359375f) - nf * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * (r * r) + r + 1.0f;
  const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;  // n in [-126, 0]: a normal 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return v != v ? v : (v < -87.0f ? 0.0f : e * scale);
}
inline float exp_t(float v) { return exp_nonpositive(v); }
inline double exp_t(double v) { return std::exp(v); }

template <class T>
void softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream) {
  check_md("softmax_fprop", m, d);
  if (d == 0) return;
  parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* xi = x + i * d;
      T* yi = y + i * d;
      // The row max over 8 lanes (one running max would not vectorize: a
      // chain of dependent compares). NaNs are skipped either way (std::max
      // keeps its first argument), so the max is the same value.
      T lane[8];
      for (T& l : lane) l = -std::numeric_limits<T>::infinity();
      int64_t j8 = 0;
      for (; j8 + 8 <= d; j8 += 8)
        for (int k = 0; k < 8; ++k) lane[k] = std::max(lane[k], xi[j8 + k]);
      for (; j8 < d; ++j8) lane[0] = std::max(lane[0], xi[j8]);
      T mx = lane[0];
      for (int k = 1; k < 8; ++k) mx = std::max(mx, lane[k]);
      // All -Inf: every exp is 0 and the row is 0/0 = NaN, as PyTorch.
      if (std::isinf(mx) && mx < 0) mx = 0;
      // One exp per element, stored, summed in double; then one scale by 1 / sum
      // (x - max <= 0, so no exp overflows and the largest term is exactly 1).
      // Four partial sums (added in a fixed order): one chain of double adds
      // would cost its latency, ~4 cycles, per element.
      for (int64_t j = 0; j < d; ++j) yi[j] = exp_t(static_cast<T>(xi[j] - mx));
      double part[4] = {0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 4 <= d; j += 4)
        for (int k = 0; k < 4; ++k) part[k] += static_cast<double>(yi[j + k]);
      for (; j < d; ++j) part[0] += static_cast<double>(yi[j]);
      const double sum = (part[0] + part[1]) + (part[2] + part[3]);
      const double inv = 1.0 / sum;
      for (int64_t j = 0; j < d; ++j) yi[j] = static_cast<T>(static_cast<double>(yi[j]) * inv);
    }
  });
}

template <class T>
void log_softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream) {
  check_md("log_softmax_fprop", m, d);
  if (d == 0) return;
  log_softmax_rows(m, d, x, y);
}

template <class T>
void softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream) {
  check_md("softmax_bprop", m, d);
  parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* yi = y + i * d;
      const T* gi = dy + i * d;
      double dot = 0;
      for (int64_t j = 0; j < d; ++j) dot += static_cast<double>(gi[j]) * static_cast<double>(yi[j]);
      for (int64_t j = 0; j < d; ++j)
        dx[i * d + j] = static_cast<T>(static_cast<double>(yi[j]) * (static_cast<double>(gi[j]) - dot));
    }
  });
}

template <class T>
void log_softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream) {
  check_md("log_softmax_bprop", m, d);
  parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* yi = y + i * d;
      const T* gi = dy + i * d;
      double sum = 0;
      for (int64_t j = 0; j < d; ++j) sum += static_cast<double>(gi[j]);
      for (int64_t j = 0; j < d; ++j)
        dx[i * d + j] = static_cast<T>(static_cast<double>(gi[j]) - std::exp(static_cast<double>(yi[j])) * sum);
    }
  });
}

namespace {
// Labels are validated serially before any write: an exception cannot leave an
// OpenMP region, and a bad label must not leave half-written outputs.
void check_labels(const char* kernel, int64_t m, int64_t d, const int64_t* labels) {
  for (int64_t i = 0; i < m; ++i) {
    if (labels[i] < 0 || labels[i] >= d)
      fail(kernel, "label " + std::to_string(labels[i]) + " at row " + std::to_string(i) + " is out of range [0, " +
                       std::to_string(d) + ")");
  }
}
}  // namespace

template <class T>
void cross_entropy_fprop(int64_t m, int64_t d, const T* logits, const int64_t* labels, T* loss,
                         T* save_log_softmax, Stream) {
  constexpr const char* kernel = "cross_entropy_fprop";
  check_md(kernel, m, d);
  check_labels(kernel, m, d, labels);
  if (m == 0) return;
  log_softmax_rows(m, d, logits, save_log_softmax);
  for (int64_t i = 0; i < m; ++i) loss[i] = -save_log_softmax[i * d + labels[i]];
}

template <class T>
void cross_entropy_bprop(int64_t m, int64_t d, const T* save_log_softmax, const int64_t* labels, const T* dloss,
                         T* dlogits, Stream) {
  constexpr const char* kernel = "cross_entropy_bprop";
  check_md(kernel, m, d);
  check_labels(kernel, m, d, labels);
  parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const double g = static_cast<double>(dloss[i]);
      for (int64_t j = 0; j < d; ++j) {
        const double p = std::exp(static_cast<double>(save_log_softmax[i * d + j]));
        dlogits[i * d + j] = static_cast<T>(g * (p - (j == labels[i] ? 1.0 : 0.0)));
      }
    }
  });
}

#define GAN_INSTANTIATE_LOSS(T)                                                                              \
  template void bce_with_logits_fprop<T>(int64_t, const T*, const T*, T*, Stream);                            \
  template void bce_with_logits_bprop<T>(int64_t, const T*, const T*, const T*, T*, Stream);                  \
  template void mse_fprop<T>(int64_t, const T*, const T*, T*, Stream);                                        \
  template void mse_bprop<T>(int64_t, const T*, const T*, const T*, T*, Stream);                              \
  template void softmax_fprop<T>(int64_t, int64_t, const T*, T*, Stream);                                     \
  template void log_softmax_fprop<T>(int64_t, int64_t, const T*, T*, Stream);                                 \
  template void softmax_bprop<T>(int64_t, int64_t, const T*, const T*, T*, Stream);                           \
  template void log_softmax_bprop<T>(int64_t, int64_t, const T*, const T*, T*, Stream);                       \
  template void cross_entropy_fprop<T>(int64_t, int64_t, const T*, const int64_t*, T*, T*, Stream);           \
  template void cross_entropy_bprop<T>(int64_t, int64_t, const T*, const int64_t*, const T*, T*, Stream);
GAN_INSTANTIATE_LOSS(float)
GAN_INSTANTIATE_LOSS(double)
#undef GAN_INSTANTIATE_LOSS

}  // namespace gan::kernels::cpu
