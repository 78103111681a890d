// CUDA optimizer kernels vs the CPU reference (optim.h): adam_step, sgd_step,
// rmsprop_step per tensor and adam_step_multi / ema_update_multi over lists of
// tensors, f32 and f64, sizes 1, 7, 1000, 65537 (not multiples of the 4-wide
// vector or the 16384-element chunk), 16-byte aligned and misaligned buffers.
// Each case runs several steps (so Adam's bias corrections change) with fresh
// random gradients, from the same initial state on both sides, and compares
// every buffer after every step.
//
// Multi-tensor cases put all tensors in one arena per buffer kind, separated by
// NaN-poisoned gaps (alternately aligned and odd offsets); the gaps must still
// be NaN afterwards (no write outside a tensor), and the tensors carry
// different step counts in one launch. One list holds more tensors than a
// launch's argument table (the capacity is asserted), so the split into
// several launches is covered. The update is in place, so unwritten elements
// are caught by asserting that the reference changes every element of param,
// exp_avg and exp_avg_sq; SGD's first momentum step (a write-only buffer)
// starts NaN-poisoned.
//
// Tolerance 0: the kernels use the reference's operation order with FMA
// contraction disabled (optim.cu), so results must be bit-identical.
#include <cstring>
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/optim.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

const int64_t kSizes[] = {1, 7, 1000, 65537};
constexpr int kSteps = 3;

// Elements of `ref` that equal the initial value (the kernel's in-place write is undetectable there).
template <class T>
int64_t unchanged(const std::vector<T>& before, const std::vector<T>& ref) {
  int64_t c = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) c += before[i] == ref[i];
  return c;
}
// The updates are in place, so a skipped element shows only where the reference
// changes it. It changes almost all: an update can round away (Adam's m ~ 0
// when g ~ -m, an EMA of equal values), measured at most ~1 in 10^4 here; allow
// 1 in 1000 (none for fewer than 1000 elements).
inline int64_t allowed_unchanged(std::size_t n) { return static_cast<int64_t>(n / 1000); }

// ---- arenas: several tensors in one buffer with NaN gaps ------------------------------

struct Layout {
  std::vector<std::size_t> off;
  std::vector<int64_t> n;
  std::size_t total = 0;
};

// Tensor k starts after a gap: even k at a multiple of 4 elements (16-byte
// aligned for f32/f64 buffers from an aligned base), odd k one element later.
inline Layout make_layout(const std::vector<int64_t>& sizes) {
  Layout l;
  std::size_t cur = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    cur = (cur + 4 + 3) / 4 * 4 + (k % 2);
    l.off.push_back(cur);
    l.n.push_back(sizes[k]);
    cur += static_cast<std::size_t>(sizes[k]);
  }
  l.total = cur + 5;
  return l;
}

template <class T>
std::vector<T> arena_random(const Layout& l, uint32_t seed, double lo, double hi) {
  std::vector<T> a(l.total, nan_value<T>());
  const auto r = random_vector<T>(l.total, seed, lo, hi);
  for (std::size_t k = 0; k < l.off.size(); ++k)
    std::copy(r.begin() + static_cast<std::ptrdiff_t>(l.off[k]),
              r.begin() + static_cast<std::ptrdiff_t>(l.off[k] + static_cast<std::size_t>(l.n[k])),
              a.begin() + static_cast<std::ptrdiff_t>(l.off[k]));
  return a;
}

// Every element outside the tensors must still be NaN.
template <class T>
bool gaps_poisoned(const Layout& l, const std::vector<T>& a) {
  std::vector<bool> inside(a.size(), false);
  for (std::size_t k = 0; k < l.off.size(); ++k)
    for (int64_t i = 0; i < l.n[k]; ++i) inside[l.off[k] + static_cast<std::size_t>(i)] = true;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!inside[i] && !std::isnan(static_cast<double>(a[i]))) return false;
  return true;
}

template <class T>
double arena_err(const Layout& l, const std::vector<T>& got, const std::vector<T>& ref) {
  double e = 0;
  for (std::size_t k = 0; k < l.off.size(); ++k)
    for (int64_t i = 0; i < l.n[k]; ++i) {
      const std::size_t j = l.off[k] + static_cast<std::size_t>(i);
      e = std::max(e, rel_err(static_cast<double>(got[j]), static_cast<double>(ref[j]), err_floor<T>()));
    }
  return e;
}

// ---- Adam -----------------------------------------------------------------------------

struct AdamConfig {
  const char* name;
  double weight_decay;
  bool decoupled, amsgrad;
};
const AdamConfig kAdamConfigs[] = {
    {"adam", 0.0, false, false},        {"adam wd(L2)", 0.05, false, false}, {"adamw", 0.1, true, false},
    {"adam amsgrad", 0.0, false, true}, {"adamw amsgrad", 0.1, true, true},
};

k::AdamParams adam_params(const AdamConfig& c) {
  k::AdamParams p;
  p.lr = 2e-3;
  p.beta1 = 0.5;  // DCGAN's
  p.beta2 = 0.999;
  p.eps = 1e-8;
  p.weight_decay = c.weight_decay;
  p.decoupled = c.decoupled;
  p.amsgrad = c.amsgrad;
  return p;
}

template <class T>
void adam_single_cases() {
  for (const auto& c : kAdamConfigs)
    for (int64_t n : kSizes)
      for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
        k::AdamParams p = adam_params(c);
        p.n = n;
        const auto un = static_cast<std::size_t>(n);
        const auto x0 = random_vector<T>(un, next_seed());
        std::vector<std::vector<T>> grads;
        for (int s = 0; s < kSteps; ++s) grads.push_back(random_vector<T>(un, next_seed()));
        // Reference: kSteps steps from zero state.
        std::vector<T> x = x0, m(un, T(0)), v(un, T(0)), vm(un, T(0));
        std::vector<std::vector<T>> rx, rm, rv, rvm;
        for (int s = 0; s < kSteps; ++s) {
          const std::vector<T> xb = x, mb = m, vb = v;
          p.step = s + 1;
          k::cpu::adam_step<T>(p, x.data(), grads[s].data(), m.data(), v.data(), c.amsgrad ? vm.data() : nullptr);
          EXPECT_LE(unchanged(xb, x) + unchanged(mb, m) + unchanged(vb, v), allowed_unchanged(un)) << c.name << " n=" << n;
          rx.push_back(x), rm.push_back(m), rv.push_back(v), rvm.push_back(vm);
        }
        double err = 0;
        const std::string orders = for_each_order([&] {
          DeviceBuffer<T> dx(x0, offset), dm(un, T(0), offset), dv(un, T(0), offset), dvm(un, T(0), offset);
          for (int s = 0; s < kSteps; ++s) {
            DeviceBuffer<T> dg(grads[s], offset);
            p.step = s + 1;
            k::cuda::adam_step<T>(p, dx.get(), dg.get(), dm.get(), dv.get(), c.amsgrad ? dvm.get() : nullptr);
            err = std::max({err, max_rel_err(dx.download(), rx[s]), max_rel_err(dm.download(), rm[s]),
                            max_rel_err(dv.download(), rv[s])});
            if (c.amsgrad) err = std::max(err, max_rel_err(dvm.download(), rvm[s]));
          }
        });
        check_and_record<T>(cat("adam_step ", c.name), cat("[", n, "] x", kSteps, " steps", offset ? " misaligned" : ""),
                            orders, err, 0.0);
      }
}

TEST(CudaOptim, AdamStepMatchesCpu) {
  GAN_REQUIRE_DEVICE();
  adam_single_cases<float>();
  adam_single_cases<double>();
}

// The multi-tensor launch against the single-tensor reference, tensor by tensor.
template <class T>
void adam_multi_case(const AdamConfig& c, const std::vector<int64_t>& sizes, const std::string& label) {
  const Layout l = make_layout(sizes);
  const k::AdamParams p = adam_params(c);
  const auto x0 = arena_random<T>(l, next_seed(), -2.0, 2.0);
  const std::vector<T> zero = [&] {  // zero state inside the tensors, NaN in the gaps
    std::vector<T> z = x0;
    for (std::size_t kk = 0; kk < l.off.size(); ++kk)
      std::fill_n(z.begin() + static_cast<std::ptrdiff_t>(l.off[kk]), l.n[kk], T(0));
    return z;
  }();
  std::vector<std::vector<T>> grads;
  for (int s = 0; s < kSteps; ++s) grads.push_back(arena_random<T>(l, next_seed(), -1.0, 1.0));
  // Tensor kk takes its (s + 1 + kk % 3)-th step in round s: different bias corrections in one launch.
  auto step_of = [](int s, std::size_t kk) { return static_cast<int64_t>(s + 1 + kk % 3); };

  std::vector<T> x = x0, m = zero, v = zero, vm = zero;
  std::vector<std::vector<T>> rx, rm, rv, rvm;
  for (int s = 0; s < kSteps; ++s) {
    for (std::size_t kk = 0; kk < l.off.size(); ++kk) {
      k::AdamParams q = p;
      q.n = l.n[kk];
      q.step = step_of(s, kk);
      const std::size_t o = l.off[kk];
      k::cpu::adam_step<T>(q, x.data() + o, grads[s].data() + o, m.data() + o, v.data() + o,
                           c.amsgrad ? vm.data() + o : nullptr);
    }
    rx.push_back(x), rm.push_back(m), rv.push_back(v), rvm.push_back(vm);
  }
  // The CPU multi-tensor reference is the same loop: bit-identical.
  {
    std::vector<T> x2 = x0, m2 = zero, v2 = zero, vm2 = zero;
    for (int s = 0; s < kSteps; ++s) {
      std::vector<k::AdamTensor<T>> ts;
      for (std::size_t kk = 0; kk < l.off.size(); ++kk) {
        const std::size_t o = l.off[kk];
        ts.push_back({x2.data() + o, grads[s].data() + o, m2.data() + o, v2.data() + o,
                      c.amsgrad ? vm2.data() + o : nullptr, l.n[kk], step_of(s, kk)});
      }
      k::cpu::adam_step_multi<T>(p, ts.data(), static_cast<int64_t>(ts.size()));
    }
    const std::size_t bytes = l.total * sizeof(T);  // bit patterns, gaps included
    EXPECT_TRUE(std::memcmp(x2.data(), x.data(), bytes) == 0 && std::memcmp(m2.data(), m.data(), bytes) == 0 &&
                std::memcmp(v2.data(), v.data(), bytes) == 0 && std::memcmp(vm2.data(), vm.data(), bytes) == 0)
        << "cpu adam_step_multi differs from adam_step per tensor";
  }
  double err = 0;
  bool gaps_ok = true;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> dx(x0), dm(zero), dv(zero), dvm(zero);
    for (int s = 0; s < kSteps; ++s) {
      DeviceBuffer<T> dg(grads[s]);
      std::vector<k::AdamTensor<T>> ts;
      for (std::size_t kk = 0; kk < l.off.size(); ++kk) {
        const std::size_t o = l.off[kk];
        ts.push_back({dx.get() + o, dg.get() + o, dm.get() + o, dv.get() + o, c.amsgrad ? dvm.get() + o : nullptr,
                      l.n[kk], step_of(s, kk)});
      }
      k::cuda::adam_step_multi<T>(p, ts.data(), static_cast<int64_t>(ts.size()));
      const auto gx = dx.download(), gm = dm.download(), gv = dv.download(), gvm = dvm.download();
      err = std::max({err, arena_err(l, gx, rx[s]), arena_err(l, gm, rm[s]), arena_err(l, gv, rv[s])});
      if (c.amsgrad) err = std::max(err, arena_err(l, gvm, rvm[s]));
      gaps_ok = gaps_ok && gaps_poisoned(l, gx) && gaps_poisoned(l, gm) && gaps_poisoned(l, gv) &&
                gaps_poisoned(l, gvm);
    }
  });
  EXPECT_TRUE(gaps_ok) << "adam_step_multi wrote outside its tensors (" << label << ")";
  check_and_record<T>(cat("adam_step_multi ", c.name), cat(label, " x", kSteps, " steps"), orders, err, 0.0);
}

// 200 small tensors of unequal sizes (and one empty): more than one table holds.
std::vector<int64_t> many_sizes(int count) {
  std::vector<int64_t> s;
  for (int i = 0; i < count; ++i) s.push_back(i == 17 ? 0 : 1 + (i * 37) % 50);
  s.push_back(1000);
  return s;
}

TEST(CudaOptim, AdamStepMultiMatchesPerTensorCpu) {
  GAN_REQUIRE_DEVICE();
  const std::vector<int64_t> mixed = {1, 7, 1000, 65537, 3, 16384, 16385, 4};
  const std::vector<int64_t> many = many_sizes(200);
  ASSERT_GT(static_cast<int64_t>(many.size()), k::cuda::adam_step_multi_table_capacity<float>());
  ASSERT_GT(static_cast<int64_t>(many.size()), k::cuda::adam_step_multi_table_capacity<double>());
  for (const auto& c : kAdamConfigs) {
    adam_multi_case<float>(c, mixed, "8 tensors [1,7,1000,65537,3,16384,16385,4]");
    adam_multi_case<double>(c, mixed, "8 tensors [1,7,1000,65537,3,16384,16385,4]");
  }
  const std::string label = cat(many.size(), " tensors of 0..50 and 1000 (table holds ",
                                k::cuda::adam_step_multi_table_capacity<float>(), " f32 / ",
                                k::cuda::adam_step_multi_table_capacity<double>(), " f64)");
  adam_multi_case<float>(kAdamConfigs[4], many, label);
  adam_multi_case<double>(kAdamConfigs[1], many, label);
}

// ---- SGD ------------------------------------------------------------------------------

struct SgdConfig {
  const char* name;
  double momentum, dampening, weight_decay;
  bool nesterov;
};
const SgdConfig kSgdConfigs[] = {
    {"sgd", 0.0, 0.0, 0.0, false},          {"sgd wd", 0.0, 0.0, 0.01, false},
    {"sgd momentum", 0.9, 0.0, 0.0, false}, {"sgd momentum dampening wd", 0.9, 0.1, 0.01, false},
    {"sgd nesterov wd", 0.9, 0.0, 0.01, true},
};

template <class T>
void sgd_cases() {
  for (const auto& c : kSgdConfigs)
    for (int64_t n : kSizes)
      for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
        k::SgdParams p;
        p.n = n;
        p.lr = 0.05;
        p.momentum = c.momentum;
        p.dampening = c.dampening;
        p.weight_decay = c.weight_decay;
        p.nesterov = c.nesterov;
        const bool mu = c.momentum != 0.0;
        const auto un = static_cast<std::size_t>(n);
        const auto x0 = random_vector<T>(un, next_seed());
        std::vector<std::vector<T>> grads;
        for (int s = 0; s < kSteps; ++s) grads.push_back(random_vector<T>(un, next_seed()));
        std::vector<T> x = x0, b(un, nan_value<T>());  // the first momentum step writes b without reading it
        std::vector<std::vector<T>> rx, rb;
        for (int s = 0; s < kSteps; ++s) {
          p.first_step = s == 0;
          const std::vector<T> xb = x;
          k::cpu::sgd_step<T>(p, x.data(), grads[s].data(), mu ? b.data() : nullptr);
          EXPECT_LE(unchanged(xb, x), allowed_unchanged(un)) << c.name;
          rx.push_back(x), rb.push_back(b);
        }
        double err = 0;
        const std::string orders = for_each_order([&] {
          DeviceBuffer<T> dx(x0, offset), db(un, nan_value<T>(), offset);
          for (int s = 0; s < kSteps; ++s) {
            DeviceBuffer<T> dg(grads[s], offset);
            p.first_step = s == 0;
            k::cuda::sgd_step<T>(p, dx.get(), dg.get(), mu ? db.get() : nullptr);
            err = std::max(err, max_rel_err(dx.download(), rx[s]));
            if (mu) err = std::max(err, max_rel_err(db.download(), rb[s]));
          }
        });
        check_and_record<T>(cat("sgd_step ", c.name), cat("[", n, "] x", kSteps, " steps", offset ? " misaligned" : ""),
                            orders, err, 0.0);
      }
}

TEST(CudaOptim, SgdStepMatchesCpu) {
  GAN_REQUIRE_DEVICE();
  sgd_cases<float>();
  sgd_cases<double>();
}

// ---- RMSprop --------------------------------------------------------------------------

struct RmspropConfig {
  const char* name;
  double weight_decay, momentum;
  bool centered;
};
const RmspropConfig kRmspropConfigs[] = {
    {"rmsprop", 0.0, 0.0, false},
    {"rmsprop wd", 0.01, 0.0, false},
    {"rmsprop centered", 0.0, 0.0, true},
    {"rmsprop momentum", 0.0, 0.9, false},
    {"rmsprop centered momentum wd", 0.01, 0.9, true},
};

template <class T>
void rmsprop_cases() {
  for (const auto& c : kRmspropConfigs)
    for (int64_t n : kSizes)
      for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
        k::RmspropParams p;
        p.n = n;
        p.lr = 1e-2;
        p.alpha = 0.99;
        p.eps = 1e-8;
        p.weight_decay = c.weight_decay;
        p.momentum = c.momentum;
        p.centered = c.centered;
        const bool mu = c.momentum > 0.0;
        const auto un = static_cast<std::size_t>(n);
        const auto x0 = random_vector<T>(un, next_seed());
        std::vector<std::vector<T>> grads;
        for (int s = 0; s < kSteps; ++s) grads.push_back(random_vector<T>(un, next_seed()));
        std::vector<T> x = x0, sq(un, T(0)), ga(un, T(0)), b(un, T(0));
        std::vector<std::vector<T>> rx, rsq, rga, rb;
        for (int s = 0; s < kSteps; ++s) {
          const std::vector<T> xb = x, sqb = sq;
          k::cpu::rmsprop_step<T>(p, x.data(), grads[s].data(), sq.data(), c.centered ? ga.data() : nullptr,
                                  mu ? b.data() : nullptr);
          EXPECT_LE(unchanged(xb, x) + unchanged(sqb, sq), allowed_unchanged(un)) << c.name;
          rx.push_back(x), rsq.push_back(sq), rga.push_back(ga), rb.push_back(b);
        }
        double err = 0;
        const std::string orders = for_each_order([&] {
          DeviceBuffer<T> dx(x0, offset), dsq(un, T(0), offset), dga(un, T(0), offset), db(un, T(0), offset);
          for (int s = 0; s < kSteps; ++s) {
            DeviceBuffer<T> dg(grads[s], offset);
            k::cuda::rmsprop_step<T>(p, dx.get(), dg.get(), dsq.get(), c.centered ? dga.get() : nullptr,
                                     mu ? db.get() : nullptr);
            err = std::max({err, max_rel_err(dx.download(), rx[s]), max_rel_err(dsq.download(), rsq[s])});
            if (c.centered) err = std::max(err, max_rel_err(dga.download(), rga[s]));
            if (mu) err = std::max(err, max_rel_err(db.download(), rb[s]));
          }
        });
        check_and_record<T>(cat("rmsprop_step ", c.name),
                            cat("[", n, "] x", kSteps, " steps", offset ? " misaligned" : ""), orders, err, 0.0);
      }
}

TEST(CudaOptim, RmspropStepMatchesCpu) {
  GAN_REQUIRE_DEVICE();
  rmsprop_cases<float>();
  rmsprop_cases<double>();
}

// ---- EMA ------------------------------------------------------------------------------

template <class T>
void ema_case(double beta, const std::vector<int64_t>& sizes, const std::string& label) {
  const Layout l = make_layout(sizes);
  const k::EmaParams p{beta};
  const auto e0 = arena_random<T>(l, next_seed(), -1.0, 1.0);
  std::vector<std::vector<T>> params;
  for (int s = 0; s < kSteps; ++s) params.push_back(arena_random<T>(l, next_seed(), -1.0, 1.0));
  auto list = [&](T* ema, const T* par) {
    std::vector<k::EmaTensor<T>> ts;
    for (std::size_t kk = 0; kk < l.off.size(); ++kk) ts.push_back({ema + l.off[kk], par + l.off[kk], l.n[kk]});
    return ts;
  };
  std::size_t elements = 0;
  for (int64_t n : sizes) elements += static_cast<std::size_t>(n);
  std::vector<T> e = e0;
  std::vector<std::vector<T>> re;
  for (int s = 0; s < kSteps; ++s) {
    const auto ts = list(e.data(), params[s].data());
    const std::vector<T> before = e;
    k::cpu::ema_update_multi<T>(p, ts.data(), static_cast<int64_t>(ts.size()));
    if (beta < 1.0) {
      // NaN gaps never compare equal, so only tensor elements count.
      EXPECT_LE(unchanged(before, e), allowed_unchanged(elements)) << "beta " << beta;
    }
    re.push_back(e);
  }
  double err = 0;
  bool gaps_ok = true;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> de(e0);
    for (int s = 0; s < kSteps; ++s) {
      DeviceBuffer<T> dp(params[s]);
      const auto ts = list(de.get(), dp.get());
      k::cuda::ema_update_multi<T>(p, ts.data(), static_cast<int64_t>(ts.size()));
      const auto got = de.download();
      err = std::max(err, arena_err(l, got, re[s]));
      gaps_ok = gaps_ok && gaps_poisoned(l, got);
    }
  });
  EXPECT_TRUE(gaps_ok) << "ema_update_multi wrote outside its tensors";
  check_and_record<T>(cat("ema_update_multi beta=", beta), cat(label, " x", kSteps, " steps"), orders, err, 0.0);
}

TEST(CudaOptim, EmaUpdateMultiMatchesCpu) {
  GAN_REQUIRE_DEVICE();
  const std::vector<int64_t> mixed = {1, 7, 1000, 65537, 3, 16385};
  const std::vector<int64_t> many = many_sizes(200);
  ASSERT_GT(static_cast<int64_t>(many.size()), k::cuda::ema_update_multi_table_capacity<float>());
  ASSERT_GT(static_cast<int64_t>(many.size()), k::cuda::ema_update_multi_table_capacity<double>());
  for (double beta : {0.999, 0.3, 0.0, 1.0}) {
    ema_case<float>(beta, mixed, "6 tensors [1,7,1000,65537,3,16385]");
    ema_case<double>(beta, mixed, "6 tensors [1,7,1000,65537,3,16385]");
  }
  const std::string label = cat(many.size(), " tensors (table holds ", k::cuda::ema_update_multi_table_capacity<float>(),
                                ")");
  ema_case<float>(0.99, many, label);
  ema_case<double>(0.99, many, label);
}

// EMA exactness at the ends: beta = 1 keeps ema, beta = 0 copies param (the lerp form's property).
TEST(CudaOptim, EmaEndsAreExact) {
  GAN_REQUIRE_DEVICE();
  const auto e0 = random_vector<float>(1000, next_seed()), p0 = random_vector<float>(1000, next_seed());
  for (double beta : {0.0, 1.0}) {
    DeviceBuffer<float> de(e0), dp(p0);
    const k::EmaTensor<float> t{de.get(), dp.get(), 1000};
    k::cuda::ema_update_multi<float>(k::EmaParams{beta}, &t, 1);
    EXPECT_EQ(de.download(), beta == 0.0 ? p0 : e0) << "beta " << beta;
  }
}

// ---- bad input: KernelError before anything is written ---------------------------------

template <class F>
void expect_kernel_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected KernelError containing '" << needle << "'";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(CudaOptim, BadArgumentsThrowBeforeWriting) {
  GAN_REQUIRE_DEVICE();
  const std::vector<float> init = random_vector<float>(64, next_seed());
  DeviceBuffer<float> x(init), g(init), m(64, 0.0f), v(64, 0.0f);
  k::AdamParams p;
  p.n = -1;
  expect_kernel_error([&] { k::cuda::adam_step<float>(p, x.get(), g.get(), m.get(), v.get(), nullptr); },
                      "adam_step: negative element count");
  p.n = 64;
  p.step = 0;
  expect_kernel_error([&] { k::cuda::adam_step<float>(p, x.get(), g.get(), m.get(), v.get(), nullptr); },
                      "step must be >= 1");
  p.step = 1;
  p.amsgrad = true;
  expect_kernel_error([&] { k::cuda::adam_step<float>(p, x.get(), g.get(), m.get(), v.get(), nullptr); },
                      "amsgrad needs max_exp_avg_sq");
  p.amsgrad = false;
  expect_kernel_error([&] { k::cuda::adam_step<float>(p, x.get(), nullptr, m.get(), v.get(), nullptr); },
                      "null param, grad");
  // A bad entry late in the list: the good entries before it stay untouched.
  std::vector<k::AdamTensor<float>> ts(6, {x.get(), g.get(), m.get(), v.get(), nullptr, 64, 1});
  ts[5].step = 0;
  expect_kernel_error([&] { k::cuda::adam_step_multi<float>(p, ts.data(), 6); }, "adam_step_multi: tensor 5: step");
  ts[5].step = 1;
  ts[4].n = -3;
  expect_kernel_error([&] { k::cuda::adam_step_multi<float>(p, ts.data(), 6); }, "tensor 4: negative element count");
  expect_kernel_error([&] { k::cuda::adam_step_multi<float>(p, nullptr, 2); }, "null tensor list");
  EXPECT_EQ(x.download(), init);
  EXPECT_EQ(m.download(), std::vector<float>(64, 0.0f));

  const k::EmaTensor<float> e{m.get(), x.get(), 64};
  expect_kernel_error([&] { k::cuda::ema_update_multi<float>(k::EmaParams{1.5}, &e, 1); }, "beta must be in [0, 1]");
  expect_kernel_error([&] { k::cuda::ema_update_multi<float>(k::EmaParams{std::nan("")}, &e, 1); }, "beta");
  const k::EmaTensor<float> bad{m.get(), nullptr, 64};
  expect_kernel_error([&] { k::cuda::ema_update_multi<float>(k::EmaParams{0.9}, &bad, 1); }, "tensor 0: null");
  EXPECT_EQ(m.download(), std::vector<float>(64, 0.0f));

  k::SgdParams sp;
  sp.n = 64;
  sp.momentum = 0.9;
  expect_kernel_error([&] { k::cuda::sgd_step<float>(sp, x.get(), g.get(), nullptr); }, "sgd_step: momentum needs");
  k::RmspropParams rp;
  rp.n = 64;
  rp.centered = true;
  expect_kernel_error([&] { k::cuda::rmsprop_step<float>(rp, x.get(), g.get(), v.get(), nullptr, nullptr); },
                      "rmsprop_step: centered needs grad_avg");
  EXPECT_EQ(x.download(), init);
}

}  // namespace
}  // namespace gan::cuda_test
