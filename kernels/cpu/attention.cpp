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
// oracle, not a fast path: no blocking beyond one score row. It does read k
// and v transposed (kt [d, M], vt [dv, M], in double, per batch), so the
// dot products over d and dv run as independent sums over m (c outer, m
// inner) and o accumulates m outer, c inner: each sum still adds the same
// terms in the same order (the results are unchanged), but the loops
// vectorize instead of waiting on one add chain or striding through v
// (measured on SAGAN at 16x16 maps, N = M = 256, batch 64: a 6-step run's
// CPU time fell from 15.6 s to 11.5 s, bit-identical metrics).
#include "gan/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {
namespace {

// kt [d, M] and vt [dv, M] of batch b (x [B, M, w] -> [w, M]) as double.
template <class T>
void transpose_batch(const T* x, int64_t b, int64_t m_, int64_t w, double* xt) {
  const T* xb = x + b * m_ * w;
  for (int64_t m = 0; m < m_; ++m)
    for (int64_t c = 0; c < w; ++c) xt[c * m_ + m] = static_cast<double>(xb[m * w + c]);
}

// scores[m] = q_n . k[m] for every m: c outer, m inner (each sum in c order).
void row_scores(int64_t d, int64_t m_, const double* qn, const double* kt, double* s) {
  std::fill(s, s + m_, 0.0);
  for (int64_t c = 0; c < d; ++c) {
    const double qc = qn[c];
    const double* kc = kt + c * m_;
    for (int64_t m = 0; m < m_; ++m) s[m] += qc * kc[m];
  }
}

// One forward row: probabilities into prow[M] (as double), o row and lse.
// vb is v of this batch [M, dv]; acc a [dv] scratch.
template <class T>
void forward_row(const AttentionParams& p, const double* qn, const double* kt, const T* vb, double* prow,
                 double* acc, T* on, T* lse_n) {
  row_scores(p.d, p.m, qn, kt, prow);
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t m = 0; m < p.m; ++m) {
    prow[m] *= p.scale;
    mx = std::max(mx, prow[m]);
  }
  double l = 0;
  for (int64_t m = 0; m < p.m; ++m) {
    prow[m] = std::exp(prow[m] - mx);
    l += prow[m];
  }
  for (int64_t m = 0; m < p.m; ++m) prow[m] /= l;
  std::fill(acc, acc + p.dv, 0.0);
  for (int64_t m = 0; m < p.m; ++m) {
    const double pm = prow[m];
    const T* vm = vb + m * p.dv;
    for (int64_t c = 0; c < p.dv; ++c) acc[c] += pm * static_cast<double>(vm[c]);
  }
  for (int64_t c = 0; c < p.dv; ++c) on[c] = static_cast<T>(acc[c]);
  if (lse_n != nullptr) *lse_n = static_cast<T>(mx + std::log(l));
}

template <class T>
void forward(const char* kernel, const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse) {
  check_attention_params(kernel, p);
  // k of every batch transposed, as double: [B, d, M].
  std::vector<double> kt(static_cast<size_t>(p.b * p.d * p.m));
  parallel_for(p.b, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) transpose_batch(k, b, p.m, p.d, kt.data() + b * p.d * p.m);
  });
  const int64_t rows = p.b * p.n;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.m * (p.d + p.dv)));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<double> prow(static_cast<size_t>(p.m)), acc(static_cast<size_t>(p.dv)), qn(static_cast<size_t>(p.d));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / p.n;
      for (int64_t c = 0; c < p.d; ++c) qn[static_cast<size_t>(c)] = static_cast<double>(q[r * p.d + c]);
      forward_row(p, qn.data(), kt.data() + b * p.d * p.m, v + b * p.m * p.dv, prow.data(), acc.data(),
                  o + r * p.dv, lse != nullptr ? lse + r : nullptr);
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
    std::vector<double> pr(static_cast<size_t>(m_)), ds(static_cast<size_t>(m_)), dp(static_cast<size_t>(m_));
    std::vector<double> dk_acc(static_cast<size_t>(m_ * d)), dv_acc(static_cast<size_t>(m_ * dvs));
    std::vector<double> kt(static_cast<size_t>(d * m_)), vt(static_cast<size_t>(dvs * m_));
    std::vector<double> qn(static_cast<size_t>(d)), gn(static_cast<size_t>(dvs));
    for (int64_t b = b0; b < b1; ++b) {
      const T* kb = k + b * m_ * d;
      transpose_batch(k, b, m_, d, kt.data());
      transpose_batch(v, b, m_, dvs, vt.data());
      std::fill(dk_acc.begin(), dk_acc.end(), 0.0);
      std::fill(dv_acc.begin(), dv_acc.end(), 0.0);
      for (int64_t n = 0; n < n_; ++n) {
        const int64_t r = b * n_ + n;
        for (int64_t c = 0; c < d; ++c) qn[static_cast<size_t>(c)] = static_cast<double>(q[r * d + c]);
        for (int64_t c = 0; c < dvs; ++c) gn[static_cast<size_t>(c)] = static_cast<double>(dout[r * dvs + c]);
        double dn = 0;
        for (int64_t c = 0; c < dvs; ++c) dn += gn[static_cast<size_t>(c)] * static_cast<double>(o[r * dvs + c]);
        const double l = static_cast<double>(lse[r]);
        row_scores(d, m_, qn.data(), kt.data(), pr.data());     // s[m] = q_n . k_m
        row_scores(dvs, m_, gn.data(), vt.data(), dp.data());   // dp[m] = g_n . v_m
        for (int64_t m = 0; m < m_; ++m) {
          const double pm = std::exp(pr[static_cast<size_t>(m)] * p.scale - l);
          pr[static_cast<size_t>(m)] = pm;
          ds[static_cast<size_t>(m)] = pm * (dp[static_cast<size_t>(m)] - dn);
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
          double* dkm = dk_acc.data() + m * d;
          double* dvm = dv_acc.data() + m * dvs;
          for (int64_t c = 0; c < d; ++c) dkm[c] += dsm * qn[static_cast<size_t>(c)];
          for (int64_t c = 0; c < dvs; ++c) dvm[c] += pm * gn[static_cast<size_t>(c)];
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
