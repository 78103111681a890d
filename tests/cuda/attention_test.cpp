// CUDA attention vs the CPU reference (kernels/cpu/attention.cpp): the fused
// online-softmax forward, the materialized forward (probs, o, lse) and the
// recomputing backward (dq, dk, dv, with some outputs skipped) over
// shapes whose N and M are not multiples of the 16-row tile (1, 17, 49, 63,
// 100), d in {8, 16, 33, 256} and dv in {8, 64, 130, 256} (every accumulator
// bucket of attention.cu), B = 1..3, and N = 0 (dk, dv must be zeroed).
// Outputs start NaN-poisoned, so an element a kernel fails to write shows up.
// o, dq, dk, dv are sums of terms of both signs: compared with
// max_rel_err_scaled (elements below 1e-3 of the largest |ref| relative to it).
#include "gan/kernels/attention.h"

#include <vector>

#include "cuda_test_util.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

// Fused kernels: double accumulation, one rounding to T per output.
template <class T>
constexpr double attn_tol() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}
// The materialized path stores S and P in T by definition: each P[n, m] is
// rounded once (2^-24 relative in float) and o = sum P v inherits those
// roundings, ~6e-8 * sqrt(sum (P v)^2) absolute, which the scaled metric
// (floor 1e-3 * max |o|) reports as up to ~1e-4.
template <class T>
constexpr double materialized_tol() {
  return std::is_same_v<T, float> ? 3e-4 : 1e-12;
}

struct AttnShape {
  int64_t b, n, m, d, dv;
  double scale;
};
const AttnShape kShapes[] = {
    {1, 49, 49, 8, 8, 1.0},  {2, 63, 100, 16, 64, 1.0}, {3, 1, 1, 33, 130, 1.0},     {1, 100, 63, 33, 256, 0.25},
    {2, 17, 1, 8, 130, 1.0}, {1, 1, 49, 16, 256, 1.0},  {1, 20, 30, 256, 8, 0.0625}, {2, 0, 5, 8, 8, 1.0},
};

std::string shape_name(const AttnShape& s) {
  return cat("B", s.b, " N", s.n, " M", s.m, " d", s.d, " dv", s.dv, " scale ", s.scale);
}

k::AttentionParams params(const AttnShape& s) {
  k::AttentionParams p;
  p.b = s.b;
  p.n = s.n;
  p.m = s.m;
  p.d = s.d;
  p.dv = s.dv;
  p.scale = s.scale;
  return p;
}

template <class T>
void forward_cases() {
  for (const auto& sh : kShapes) {
    const auto p = params(sh);
    const auto nq = static_cast<size_t>(sh.b * sh.n), nk = static_cast<size_t>(sh.b * sh.m);
    const auto q = random_vector<T>(nq * sh.d, next_seed(), -1.0, 1.0);
    const auto kk = random_vector<T>(nk * sh.d, next_seed(), -1.0, 1.0);
    const auto v = random_vector<T>(nk * sh.dv, next_seed(), -1.0, 1.0);
    std::vector<T> o_ref(nq * sh.dv), lse_ref(nq), probs_ref(nq * sh.m);
    k::cpu::attention_fprop_materialized<T>(p, q.data(), kk.data(), v.data(), probs_ref.data(), o_ref.data(),
                                            lse_ref.data());
    double err_o = 0, err_l = 0, err_mo = 0, err_ml = 0, err_mp = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dq(q), dk(kk), dvb(v);
      DeviceBuffer<T> o(nq * sh.dv, nan_value<T>()), lse(nq, nan_value<T>());
      k::cuda::attention_fprop<T>(p, dq.get(), dk.get(), dvb.get(), o.get(), lse.get());
      err_o = std::max(err_o, max_rel_err_scaled(o.download(), o_ref));
      err_l = std::max(err_l, max_rel_err_scaled(lse.download(), lse_ref));
      DeviceBuffer<T> mo(nq * sh.dv, nan_value<T>()), ml(nq, nan_value<T>()), mp(nq * sh.m, nan_value<T>());
      k::cuda::attention_fprop_materialized<T>(p, dq.get(), dk.get(), dvb.get(), mp.get(), mo.get(), ml.get());
      err_mo = std::max(err_mo, max_rel_err_scaled(mo.download(), o_ref));
      err_ml = std::max(err_ml, max_rel_err_scaled(ml.download(), lse_ref));
      err_mp = std::max(err_mp, max_rel_err_scaled(mp.download(), probs_ref));
    });
    const std::string name = shape_name(sh);
    check_and_record<T>("attention_fprop o", name + " (scaled)", orders, err_o, attn_tol<T>());
    check_and_record<T>("attention_fprop lse", name + " (scaled)", orders, err_l, attn_tol<T>());
    check_and_record<T>("attention_fprop_materialized o", name + " (scaled)", orders, err_mo, materialized_tol<T>());
    check_and_record<T>("attention_fprop_materialized lse", name + " (scaled)", orders, err_ml, attn_tol<T>());
    check_and_record<T>("attention_fprop_materialized P", name + " (scaled)", orders, err_mp, attn_tol<T>());
  }
}

template <class T>
void backward_cases() {
  for (const auto& sh : kShapes) {
    const auto p = params(sh);
    const auto nq = static_cast<size_t>(sh.b * sh.n), nk = static_cast<size_t>(sh.b * sh.m);
    const auto q = random_vector<T>(nq * sh.d, next_seed(), -1.0, 1.0);
    const auto kk = random_vector<T>(nk * sh.d, next_seed(), -1.0, 1.0);
    const auto v = random_vector<T>(nk * sh.dv, next_seed(), -1.0, 1.0);
    const auto g = random_vector<T>(nq * sh.dv, next_seed(), -1.0, 1.0);
    std::vector<T> o(nq * sh.dv), lse(nq);
    k::cpu::attention_fprop<T>(p, q.data(), kk.data(), v.data(), o.data(), lse.data());
    std::vector<T> dq_ref(nq * sh.d), dk_ref(nk * sh.d), dv_ref(nk * sh.dv);
    k::cpu::attention_bprop<T>(p, q.data(), kk.data(), v.data(), o.data(), lse.data(), g.data(), dq_ref.data(),
                               dk_ref.data(), dv_ref.data());
    // Masks: all three, dq only, dk + dv only.
    const bool masks[3][3] = {{true, true, true}, {true, false, false}, {false, true, true}};
    for (const auto& mk : masks) {
      double e_q = 0, e_k = 0, e_v = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> bq(q), bk(kk), bv(v), bo(o), bl(lse), bg(g);
        DeviceBuffer<T> dq(nq * sh.d, nan_value<T>()), dk(nk * sh.d, nan_value<T>()), dv(nk * sh.dv, nan_value<T>());
        k::cuda::attention_bprop<T>(p, bq.get(), bk.get(), bv.get(), bo.get(), bl.get(), bg.get(),
                                    mk[0] ? dq.get() : nullptr, mk[1] ? dk.get() : nullptr, mk[2] ? dv.get() : nullptr);
        if (mk[0]) e_q = std::max(e_q, max_rel_err_scaled(dq.download(), dq_ref));
        if (mk[1]) e_k = std::max(e_k, max_rel_err_scaled(dk.download(), dk_ref));
        if (mk[2]) e_v = std::max(e_v, max_rel_err_scaled(dv.download(), dv_ref));
        // Skipped outputs stay untouched (still NaN).
        if (!mk[0] && nq * sh.d > 0) {
          EXPECT_TRUE(std::isnan(static_cast<double>(dq.download()[0])));
        }
        if (!mk[1] && nk * sh.d > 0) {
          EXPECT_TRUE(std::isnan(static_cast<double>(dk.download()[0])));
        }
      });
      const std::string name = shape_name(sh) + (mk[0] && mk[1] ? "" : mk[0] ? " dq only" : " dk,dv only");
      if (mk[0]) check_and_record<T>("attention_bprop dq", name + " (scaled)", orders, e_q, attn_tol<T>());
      if (mk[1]) check_and_record<T>("attention_bprop dk", name + " (scaled)", orders, e_k, attn_tol<T>());
      if (mk[2]) check_and_record<T>("attention_bprop dv", name + " (scaled)", orders, e_v, attn_tol<T>());
    }
  }
}

TEST(CudaAttention, ForwardFloat) {
  GAN_REQUIRE_DEVICE();
  forward_cases<float>();
}
TEST(CudaAttention, ForwardDouble) {
  GAN_REQUIRE_DEVICE();
  forward_cases<double>();
}
TEST(CudaAttention, BackwardFloat) {
  GAN_REQUIRE_DEVICE();
  backward_cases<float>();
}
TEST(CudaAttention, BackwardDouble) {
  GAN_REQUIRE_DEVICE();
  backward_cases<double>();
}

// Bad sizes are refused before anything is written.
TEST(CudaAttention, RejectsBadSizesBeforeWriting) {
  GAN_REQUIRE_DEVICE();
  k::AttentionParams p;
  p.b = 1;
  p.n = 4;
  p.m = 4;
  p.d = 300;  // > kAttentionMaxHeadDim
  p.dv = 8;
  DeviceBuffer<float> q(4 * 300, 1.0f), kk(4 * 300, 1.0f), v(4 * 8, 1.0f);
  DeviceBuffer<float> o(4 * 8, nan_value<float>()), lse(4, nan_value<float>());
  EXPECT_THROW(k::cuda::attention_fprop<float>(p, q.get(), kk.get(), v.get(), o.get(), lse.get()), k::KernelError);
  EXPECT_THROW(k::cuda::attention_bprop<float>(p, q.get(), kk.get(), v.get(), o.get(), lse.get(), o.get(), q.get(),
                                               kk.get(), v.get()),
               k::KernelError);
  p.d = 8;
  p.m = 0;  // softmax over no keys
  EXPECT_THROW(k::cuda::attention_fprop<float>(p, q.get(), kk.get(), v.get(), o.get(), lse.get()), k::KernelError);
  EXPECT_THROW(k::cuda::attention_fprop_materialized<float>(p, q.get(), kk.get(), v.get(), q.get(), o.get(), lse.get()),
               k::KernelError);
  EXPECT_TRUE(std::isnan(o.download()[0]));
  EXPECT_TRUE(std::isnan(lse.download()[0]));
}

}  // namespace
}  // namespace gan::cuda_test
