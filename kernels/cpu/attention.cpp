// Attention, CPU reference (attention.h): the materialized algorithm, one
// query row at a time, accumulated in double.
//
// Layout: q [B, N, d], k [B, M, d], v [B, M, dv], o [B, N, dv], lse [B, N],
// probs [B, N, M] (materialized variant only).
// Algorithm (forward, per row n): s[m] = scale * q[n] . k[m]; mx = max s;
// e[m] = exp(s[m] - mx); l = sum e; o[n] = sum_m e[m] v[m] / l;
// lse = mx + log l. Rows are independent: parallel_for over B*N rows.
// Backward, per batch (parallel_for over B, so dk/dv sums over n stay inside
// one task and are deterministic): rows n in order, P recomputed from lse,
// dS = P (dP - D), dq row written at once, dk/dv accumulated in double
// buffers [M, d] / [M, dv] and rounded once at the end.
// Napkin math: forward 2*N*M*(d + dv) FLOPs per batch (+ N*M exp), backward
// about twice the forward (4*N*M*d + 4*N*M*dv). The CPU reference is the
// oracle, not a fast path: no blocking beyond one score row.
#include "gan/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {
namespace {

// One forward row: probabilities into prow[M] (as double), o row and lse.
template <class T>
void forward_row(const AttentionParams& p, const T* qn, const T* kb, const T* vb, double* prow, T* on, T* lse_n) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t m = 0; m < p.m; ++m) {
    double s = 0;
    for (int64_t c = 0; c < p.d; ++c) s += static_cast<double>(qn[c]) * static_cast<double>(kb[m * p.d + c]);
    s *= p.scale;
    prow[m] = s;
    mx = std::max(mx, s);
  }
  double l = 0;
  for (int64_t m = 0; m < p.m; ++m) {
    prow[m] = std::exp(prow[m] - mx);
    l += prow[m];
  }
  for (int64_t m = 0; m < p.m; ++m) prow[m] /= l;
  for (int64_t c = 0; c < p.dv; ++c) {
    double acc = 0;
    for (int64_t m = 0; m < p.m; ++m) acc += prow[m] * static_cast<double>(vb[m * p.dv + c]);
    on[c] = static_cast<T>(acc);
  }
  if (lse_n != nullptr) *lse_n = static_cast<T>(mx + std::log(l));
}

template <class T>
void forward(const char* kernel, const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse) {
  check_attention_params(kernel, p);
  const int64_t rows = p.b * p.n;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.m * (p.d + p.dv)));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<double> prow(static_cast<size_t>(p.m));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / p.n;
      forward_row(p, q + r * p.d, k + b * p.m * p.d, v + b * p.m * p.dv, prow.data(), o + r * p.dv,
                  lse != nullptr ? lse + r : nullptr);
      if (probs != nullptr)
        for (int64_t m = 0; m < p.m; ++m) probs[r * p.m + m] = static_cast<T>(prow[static_cast<size_t>(m)]);
    }
  });
}

}  // namespace

template <class T>
void attention_fprop(const AttentionParams& p, const T* q, const T* k, const T* v, T* o, T* lse, Stream) {
  forward<T>("attention_fprop", p, q, k, v, nullptr, o, lse);
}

template <class T>
void attention_fprop_materialized(const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse,
                                  Stream) {
  if (probs == nullptr && p.b * p.n * p.m > 0)
    fail("attention_fprop_materialized", "probs workspace [B, N, M] is required");
  forward<T>("attention_fprop_materialized", p, q, k, v, probs, o, lse);
}

template <class T>
void attention_bprop(const AttentionParams& p, const T* q, const T* k, const T* v, const T* o, const T* lse,
                     const T* dout, T* dq, T* dk, T* dv, Stream) {
  constexpr const char* kernel = "attention_bprop";
  check_attention_params(kernel, p);
  const int64_t n_ = p.n, m_ = p.m, d = p.d, dvs = p.dv;
  parallel_for(p.b, 1, [&](int64_t b0, int64_t b1) {
    std::vector<double> pr(static_cast<size_t>(m_)), ds(static_cast<size_t>(m_));
    std::vector<double> dk_acc(static_cast<size_t>(m_ * d)), dv_acc(static_cast<size_t>(m_ * dvs));
    for (int64_t b = b0; b < b1; ++b) {
      const T* kb = k + b * m_ * d;
      const T* vb = v + b * m_ * dvs;
      std::fill(dk_acc.begin(), dk_acc.end(), 0.0);
      std::fill(dv_acc.begin(), dv_acc.end(), 0.0);
      for (int64_t n = 0; n < n_; ++n) {
        const int64_t r = b * n_ + n;
        const T* qn = q + r * d;
        const T* gn = dout + r * dvs;
        double dn = 0;
        for (int64_t c = 0; c < dvs; ++c) dn += static_cast<double>(gn[c]) * static_cast<double>(o[r * dvs + c]);
        const double l = static_cast<double>(lse[r]);
        for (int64_t m = 0; m < m_; ++m) {
          double s = 0, dp = 0;
          for (int64_t c = 0; c < d; ++c) s += static_cast<double>(qn[c]) * static_cast<double>(kb[m * d + c]);
          for (int64_t c = 0; c < dvs; ++c) dp += static_cast<double>(gn[c]) * static_cast<double>(vb[m * dvs + c]);
          const double pm = std::exp(s * p.scale - l);
          pr[static_cast<size_t>(m)] = pm;
          ds[static_cast<size_t>(m)] = pm * (dp - dn);
        }
        if (dq != nullptr) {
          for (int64_t c = 0; c < d; ++c) {
            double acc = 0;
            for (int64_t m = 0; m < m_; ++m) acc += ds[static_cast<size_t>(m)] * static_cast<double>(kb[m * d + c]);
            dq[r * d + c] = static_cast<T>(p.scale * acc);
          }
        }
        for (int64_t m = 0; m < m_; ++m) {
          const double dsm = ds[static_cast<size_t>(m)] * p.scale, pm = pr[static_cast<size_t>(m)];
          for (int64_t c = 0; c < d; ++c) dk_acc[static_cast<size_t>(m * d + c)] += dsm * static_cast<double>(qn[c]);
          for (int64_t c = 0; c < dvs; ++c) dv_acc[static_cast<size_t>(m * dvs + c)] += pm * static_cast<double>(gn[c]);
        }
      }
      if (dk != nullptr)
        for (int64_t i = 0; i < m_ * d; ++i) dk[b * m_ * d + i] = static_cast<T>(dk_acc[static_cast<size_t>(i)]);
      if (dv != nullptr)
        for (int64_t i = 0; i < m_ * dvs; ++i) dv[b * m_ * dvs + i] = static_cast<T>(dv_acc[static_cast<size_t>(i)]);
    }
  });
}

#define GAN_INSTANTIATE_ATTENTION(T)                                                                                   \
  template void attention_fprop<T>(const AttentionParams&, const T*, const T*, const T*, T*, T*, Stream);              \
  template void attention_fprop_materialized<T>(const AttentionParams&, const T*, const T*, const T*, T*, T*, T*,      \
                                                Stream);                                                               \
  template void attention_bprop<T>(const AttentionParams&, const T*, const T*, const T*, const T*, const T*, const T*, \
                                   T*, T*, T*, Stream);
GAN_INSTANTIATE_ATTENTION(float)
GAN_INSTANTIATE_ATTENTION(double)
#undef GAN_INSTANTIATE_ATTENTION

}  // namespace gan::kernels::cpu
