#include "gan/models/lipschitz.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "gan/autograd.h"
#include "gan/error.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops.h"

// LAPACK (OpenBLAS ships it): singular values of a column-major m x n matrix.
// The trailing size_t arguments are gfortran's hidden lengths of jobu/jobvt.
extern "C" void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* lda,
                        double* s, double* u, const int* ldu, double* vt, const int* ldvt, double* work,
                        const int* lwork, int* info, size_t jobu_len, size_t jobvt_len);

namespace gan::models {
namespace {

// w as a row-major f64 matrix [rows, cols], rows along `dim`.
std::vector<double> as_matrix(const Tensor& w, int64_t dim, int64_t* rows, int64_t* cols) {
  GAN_CHECK(w.dim() >= 2 && (dim == 0 || dim == 1), "exact_spectral_norm: weight ", shape_str(w.shape()),
            " with dim ", dim, ": expected a weight of rank >= 2 and dim 0 or 1");
  const std::vector<double> v = w.detach().to(Device::cpu()).to_double_vector();
  const int64_t d0 = w.size(0), d1 = w.size(1), rest = w.numel() / (d0 * d1);
  *rows = w.size(dim);
  *cols = w.numel() / *rows;
  if (dim == 0) return v;
  // [d0, d1, rest] -> [d1, d0 * rest]
  std::vector<double> m(v.size());
  for (int64_t i0 = 0; i0 < d0; ++i0)
    for (int64_t i1 = 0; i1 < d1; ++i1)
      for (int64_t r = 0; r < rest; ++r) m[static_cast<size_t>((i1 * d0 + i0) * rest + r)] = v[static_cast<size_t>((i0 * d1 + i1) * rest + r)];
  return m;
}

}  // namespace

double exact_spectral_norm(const Tensor& w, int64_t dim) {
  int64_t rows = 0, cols = 0;
  std::vector<double> a = as_matrix(w, dim, &rows, &cols);
  // Row-major [rows, cols] is column-major [cols, rows]: the transpose, whose
  // singular values are the same.
  const int m = static_cast<int>(cols), n = static_cast<int>(rows), lda = m, one = 1;
  std::vector<double> s(static_cast<size_t>(std::min(m, n)));
  double query = 0;
  int lwork = -1, info = 0;
  dgesvd_("N", "N", &m, &n, a.data(), &lda, s.data(), nullptr, &one, nullptr, &one, &query, &lwork, &info, 1, 1);
  GAN_CHECK(info == 0, "exact_spectral_norm: dgesvd workspace query failed (info ", info, ")");
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  dgesvd_("N", "N", &m, &n, a.data(), &lda, s.data(), nullptr, &one, nullptr, &one, work.data(), &lwork, &info, 1, 1);
  GAN_CHECK(info == 0, "exact_spectral_norm: dgesvd failed on a ", rows, "x", cols, " matrix (info ", info, ")");
  return s.empty() ? 0.0 : s[0];  // descending
}

std::vector<LayerSigma> spectral_norm_report(nn::Module& m) {
  std::vector<LayerSigma> out;
  for (auto& [name, mod] : m.named_modules()) {
    auto* sn = dynamic_cast<nn::SpectralNorm*>(mod.get());
    if (!sn) continue;
    int64_t rows = 0, cols = 0;
    const std::vector<double> w = as_matrix(sn->weight_orig, sn->dim, &rows, &cols);
    const std::vector<double> u = sn->weight_u.detach().to(Device::cpu()).to_double_vector();
    const std::vector<double> v = sn->weight_v.detach().to(Device::cpu()).to_double_vector();
    GAN_CHECK(static_cast<int64_t>(u.size()) == rows && static_cast<int64_t>(v.size()) == cols,
              "spectral_norm_report: ", name, ": u [", u.size(), "] and v [", v.size(), "] do not fit W [", rows, ", ",
              cols, "]");
    double sigma = 0;  // u^T W v, as ops::spectral_norm_weight computes it
    for (int64_t r = 0; r < rows; ++r) {
      double wv = 0;
      for (int64_t c = 0; c < cols; ++c) wv += w[static_cast<size_t>(r * cols + c)] * v[static_cast<size_t>(c)];
      sigma += u[static_cast<size_t>(r)] * wv;
    }
    out.push_back({name, sigma, exact_spectral_norm(sn->weight_orig, sn->dim)});
  }
  return out;
}

std::vector<double> input_gradient_norms(const std::function<Tensor(const Tensor&)>& D, const Tensor& x) {
  GAN_CHECK(x.dim() >= 2, "input_gradient_norms: expected x [N, ...], got ", shape_str(x.shape()));
  autograd::EnableGradGuard eg(true);
  Tensor xi = x.detach().clone();
  xi.requires_grad_(true);
  const Tensor out = D(xi);
  GAN_CHECK(out.numel() == x.size(0), "input_gradient_norms: D gave ", shape_str(out.shape()), " for x ",
            shape_str(x.shape()), "; expected one value per sample");
  const Tensor g = autograd::grad({ops::sum(out)}, {xi})[0];
  const std::vector<double> sq = ops::sum(ops::square(g.detach().flatten(1)), {1}).to(Device::cpu()).to_double_vector();
  std::vector<double> norms(sq.size());
  for (size_t i = 0; i < sq.size(); ++i) norms[i] = std::sqrt(sq[i]);
  return norms;
}

Spread spread_of(std::vector<double> v) {
  GAN_CHECK(!v.empty(), "spread_of: empty sample");
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[static_cast<size_t>(std::min<double>(v.size() - 1, std::floor(q * (v.size() - 1) + 0.5)))]; };
  return {std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()), at(0.5), at(0.95), v.back()};
}

}  // namespace gan::models
