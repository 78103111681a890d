// KID: polynomial-kernel unbiased MMD^2 over random subsets (kernel_distance.h).
#include "gan/models/eval/kernel_distance.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan::models::eval {

namespace {

// Sum of all entries and of the diagonal of (a b^T / d + 1)^3, in f64.
struct GramSums {
  double all = 0, diag = 0;
};

GramSums polynomial_gram_sums(const Tensor& a, const Tensor& b, bool square) {
  NoGradGuard ng;
  const double d = static_cast<double>(a.size(1));
  const Tensor t = ops::matmul(a, ops::transpose(b, 0, 1)) * (1.0 / d) + 1.0;
  const Tensor k = (t * t * t).to(Device::cpu());  // two multiplies: a generic pow costs more than the GEMM
  const float* p = k.data<float>();
  const int64_t m = k.size(0), n = k.size(1);
  GramSums s;
  for (int64_t i = 0; i < m; ++i) {
    double row = 0;
    for (int64_t j = 0; j < n; ++j) row += p[i * n + j];
    s.all += row;
    if (square) s.diag += p[i * n + i];
  }
  return s;
}

// m distinct indices of [0, n): a partial Fisher-Yates shuffle.
std::vector<int64_t> draw_subset(int64_t n, int64_t m, Generator& gen) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  for (int64_t i = 0; i < m; ++i) {
    const int64_t j = i + static_cast<int64_t>(gen.randint(static_cast<uint64_t>(n - i)));
    std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(j)]);
  }
  idx.resize(static_cast<size_t>(m));
  return idx;
}

}  // namespace

double mmd2_unbiased_polynomial(const Tensor& x, const Tensor& y) {
  GAN_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1), "kernel distance: expected [m, d] and [n, d], got ",
            shape_str(x.shape()), " and ", shape_str(y.shape()));
  const double m = static_cast<double>(x.size(0)), n = static_cast<double>(y.size(0));
  GAN_CHECK(m >= 2 && n >= 2, "kernel distance: needs at least 2 samples per set, got ", x.size(0), " and ", y.size(0));
  const GramSums xx = polynomial_gram_sums(x, x, true), yy = polynomial_gram_sums(y, y, true),
                 xy = polynomial_gram_sums(x, y, false);
  return (xx.all - xx.diag) / (m * (m - 1)) + (yy.all - yy.diag) / (n * (n - 1)) - 2 * xy.all / (m * n);
}

KernelDistance kernel_distance(const Tensor& real, const Tensor& fake, const KernelDistanceOptions& o) {
  GAN_CHECK(o.subsets >= 1, "kernel distance: subsets must be >= 1, got ", o.subsets);
  const int64_t nr = real.size(0), nf = fake.size(0);
  KernelDistance out;
  out.subsets = o.subsets;
  out.subset_size = std::min({o.subset_size, nr, nf});
  GAN_CHECK(out.subset_size >= 2, "kernel distance: needs at least 2 samples per set, got n_real = ", nr,
            ", n_fake = ", nf, ", subset_size = ", o.subset_size);
  Generator gen(o.seed);
  std::vector<double> v;
  const Device dev = real.device();
  for (int64_t s = 0; s < o.subsets; ++s) {
    const auto ir = draw_subset(nr, out.subset_size, gen), jf = draw_subset(nf, out.subset_size, gen);
    const Tensor x = ops::index_select0(real, Tensor::from_data({out.subset_size}, ir).to(dev));
    const Tensor y = ops::index_select0(fake, Tensor::from_data({out.subset_size}, jf).to(dev));
    v.push_back(mmd2_unbiased_polynomial(x, y));
  }
  out.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - out.mean) * (x - out.mean);
  out.std = std::sqrt(var / static_cast<double>(v.size()));
  return out;
}

}  // namespace gan::models::eval
