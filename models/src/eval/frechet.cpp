// Fréchet distance through a symmetric eigen-decomposition (frechet.h).
#include "gan/models/eval/frechet.h"

#include <algorithm>
#include <cmath>

#include "gan/error.h"

// LAPACK from OpenBLAS (libopenblas ships the reference LAPACK, compiled from
// Fortran: character arguments carry hidden lengths at the end).
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t jobz_len,
                        size_t uplo_len);

namespace gan::models::eval {

GaussianStats gaussian_stats(const Tensor& features) {
  GAN_CHECK(features.dim() == 2, "gaussian_stats: expected features [n, d], got ", shape_str(features.shape()));
  const int64_t n = features.size(0), d = features.size(1);
  GAN_CHECK(n >= 2, "gaussian_stats: need at least 2 samples, got ", n);
  const std::vector<double> x = features.to_double_vector();
  for (size_t i = 0; i < x.size(); ++i)
    GAN_CHECK(std::isfinite(x[i]), "gaussian_stats: feature ", i % static_cast<size_t>(d), " of sample ",
              i / static_cast<size_t>(d), " is ", x[i], " (non-finite images or features)");
  GaussianStats s;
  s.n = n, s.dim = d;
  s.mean.assign(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) s.mean[static_cast<size_t>(j)] += x[static_cast<size_t>(i * d + j)];
  for (double& m : s.mean) m /= static_cast<double>(n);
  // Centered, upper triangle accumulated in f64, then mirrored.
  s.cov.assign(static_cast<size_t>(d * d), 0.0);
  std::vector<double> c(static_cast<size_t>(d));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) c[static_cast<size_t>(j)] = x[static_cast<size_t>(i * d + j)] - s.mean[static_cast<size_t>(j)];
    for (int64_t a = 0; a < d; ++a) {
      const double ca = c[static_cast<size_t>(a)];
      if (ca == 0) continue;  // dead ReLU units (always 0) add nothing: skip their rows
      double* row = &s.cov[static_cast<size_t>(a * d)];
      for (int64_t b = a; b < d; ++b) row[b] += ca * c[static_cast<size_t>(b)];
    }
  }
  for (int64_t a = 0; a < d; ++a)
    for (int64_t b = a; b < d; ++b) {
      const double v = s.cov[static_cast<size_t>(a * d + b)] / static_cast<double>(n - 1);
      s.cov[static_cast<size_t>(a * d + b)] = v;
      s.cov[static_cast<size_t>(b * d + a)] = v;
    }
  return s;
}

std::vector<double> symmetric_eigen(const std::vector<double>& a_in, int64_t n64, std::vector<double>* vectors) {
  GAN_CHECK(n64 >= 1 && static_cast<int64_t>(a_in.size()) == n64 * n64, "symmetric_eigen: expected ", n64, "x", n64,
            " values, got ", a_in.size());
  const int n = static_cast<int>(n64);
  std::vector<double> a = a_in;  // symmetric: row-major == column-major
  std::vector<double> w(static_cast<size_t>(n));
  const char jobz = vectors ? 'V' : 'N', uplo = 'U';
  int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0;
  dsyevd_(&jobz, &uplo, &n, a.data(), &n, w.data(), &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1);
  GAN_CHECK(info == 0, "symmetric_eigen: LAPACK dsyevd workspace query failed (info ", info, ")");
  lwork = static_cast<int>(work_query);
  liwork = std::max(iwork_query, 1);
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dsyevd_(&jobz, &uplo, &n, a.data(), &n, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  GAN_CHECK(info == 0, "symmetric_eigen: LAPACK dsyevd failed (info ", info, ") on a ", n, "x", n, " matrix");
  if (vectors) {
    // LAPACK's column-major eigenvector matrix: column j (eigenvector j) at a[j*n + i];
    // transpose into row-major so that (*vectors)[i*n + j] = V[i][j].
    vectors->assign(static_cast<size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) (*vectors)[static_cast<size_t>(i) * n + j] = a[static_cast<size_t>(j) * n + i];
  }
  return w;
}

namespace {

// c = a b, [n, n] row-major.
std::vector<double> matmul_sq(const std::vector<double>& a, const std::vector<double>& b, int64_t n) {
  std::vector<double> c(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const double aik = a[static_cast<size_t>(i * n + k)];
      for (int64_t j = 0; j < n; ++j) c[static_cast<size_t>(i * n + j)] += aik * b[static_cast<size_t>(k * n + j)];
    }
  return c;
}

}  // namespace

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  GAN_CHECK(a.dim == b.dim && a.dim >= 1, "frechet_distance: feature dimensions differ (", a.dim, " vs ", b.dim, ")");
  const int64_t d = a.dim;
  GAN_CHECK(a.n >= d && b.n >= d, "frechet_distance: refused with n_real = ", a.n, " and n_fake = ", b.n,
            " samples for ", d, "-dimensional features: the covariance needs at least as many samples as dimensions "
            "(use --n >= ", d, ", 10000 for comparable numbers)");
  double mean_term = 0, trace_a = 0, trace_b = 0;
  for (int64_t j = 0; j < d; ++j) {
    const double diff = a.mean[static_cast<size_t>(j)] - b.mean[static_cast<size_t>(j)];
    mean_term += diff * diff;
    trace_a += a.cov[static_cast<size_t>(j * d + j)];
    trace_b += b.cov[static_cast<size_t>(j * d + j)];
  }
  // S1^1/2 = V diag(sqrt l) V^T.
  std::vector<double> v;
  const std::vector<double> l = symmetric_eigen(a.cov, d, &v);
  std::vector<double> vs = v;  // V diag(sqrt l)
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j) vs[static_cast<size_t>(i * d + j)] *= std::sqrt(std::max(l[static_cast<size_t>(j)], 0.0));
  std::vector<double> vt(static_cast<size_t>(d * d));
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j) vt[static_cast<size_t>(j * d + i)] = v[static_cast<size_t>(i * d + j)];
  const std::vector<double> root = matmul_sq(vs, vt, d);
  std::vector<double> m = matmul_sq(matmul_sq(root, b.cov, d), root, d);
  for (int64_t i = 0; i < d; ++i)  // symmetrize away round-off
    for (int64_t j = i + 1; j < d; ++j) {
      const double s = 0.5 * (m[static_cast<size_t>(i * d + j)] + m[static_cast<size_t>(j * d + i)]);
      m[static_cast<size_t>(i * d + j)] = m[static_cast<size_t>(j * d + i)] = s;
    }
  double trace_sqrt = 0;
  for (double mu : symmetric_eigen(m, d)) trace_sqrt += std::sqrt(std::max(mu, 0.0));
  return mean_term + trace_a + trace_b - 2 * trace_sqrt;
}

}  // namespace gan::models::eval
