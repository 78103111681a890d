// Helpers for the CUDA kernel tests (every kernel vs its CPU reference).
//
// The same test sources run in two flavours:
//   sim   the kernels run on the SIMT emulator; "device" memory is host memory
//         and every case runs under two schedule orders (forward, reverse);
//   cuda  the kernels run on a real GPU through cudaMalloc/cudaMemcpy; without
//         a device every test skips with GTEST_SKIP("no CUDA device").
// Each kernel case records one table row (kernel, dtype, shapes, max relative
// error vs the CPU reference, orders run); the table prints at the end.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "gan/kernels/common.h"
#include "gan/kernels/index_fault.h"

#if defined(GAN_CUDA_TESTS_REAL)
#include <cuda_runtime.h>
#else
#include <gan/simt/runtime.h>
#endif

namespace gan::cuda_test {

// Concatenates strings and numbers by appending (GCC 12's -Wrestrict misfires
// on chains of std::string operator+).
inline void append_part(std::string& out, const std::string& s) { out.append(s); }
inline void append_part(std::string& out, const char* s) { out.append(s); }
template <class N, std::enable_if_t<std::is_arithmetic_v<N>, int> = 0>
void append_part(std::string& out, N v) {
  out.append(std::to_string(v));
}
template <class... P>
std::string cat(const P&... parts) {
  std::string out;
  (append_part(out, parts), ...);
  return out;
}

// ---- device memory -----------------------------------------------------------------

#if defined(GAN_CUDA_TESTS_REAL)
inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(cat(what, ": ", cudaGetErrorString(e)));
}
inline bool have_device() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}
#else
inline bool have_device() { return true; }
#endif

#define GAN_REQUIRE_DEVICE()                                             \
  do {                                                                   \
    if (!::gan::cuda_test::have_device()) GTEST_SKIP() << "no CUDA device"; \
  } while (0)

// A device buffer of n elements plus `pad` spare ones: get(offset) returns a
// pointer `offset` elements in, to test misaligned (non-16-byte) views.
template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(const std::vector<T>& host, std::size_t offset = 0) : n_(host.size()), offset_(offset) {
    std::vector<T> padded(offset_ + n_ + 1, T{});
    std::copy(host.begin(), host.end(), padded.begin() + static_cast<std::ptrdiff_t>(offset_));
#if defined(GAN_CUDA_TESTS_REAL)
    cuda_check(cudaMalloc(reinterpret_cast<void**>(&ptr_), padded.size() * sizeof(T)), "cudaMalloc");
    cuda_check(cudaMemcpy(ptr_, padded.data(), padded.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
#else
    storage_ = std::move(padded);
    ptr_ = storage_.data();
#endif
  }
  DeviceBuffer(std::size_t n, T value, std::size_t offset = 0) : DeviceBuffer(std::vector<T>(n, value), offset) {}
  ~DeviceBuffer() {
#if defined(GAN_CUDA_TESTS_REAL)
    cudaFree(ptr_);
#endif
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() { return ptr_ + offset_; }
  std::vector<T> download() const {
    std::vector<T> out(n_);
#if defined(GAN_CUDA_TESTS_REAL)
    cuda_check(cudaDeviceSynchronize(), "kernel");
    cuda_check(cudaMemcpy(out.data(), ptr_ + offset_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
#else
    std::copy(ptr_ + offset_, ptr_ + offset_ + n_, out.begin());
#endif
    return out;
  }

 private:
  std::size_t n_, offset_;
  T* ptr_ = nullptr;
#if !defined(GAN_CUDA_TESTS_REAL)
  std::vector<T> storage_;
#endif
};

// ---- schedule orders ------------------------------------------------------------------

// Runs body() once per schedule order (sim: forward and reverse; cuda: the
// hardware's). Returns the orders as text for the table.
inline std::string for_each_order(const std::function<void()>& body) {
#if defined(GAN_CUDA_TESTS_REAL)
  body();
  return "gpu";
#else
  // GAN_SIMT_ORDER=eager (or <order>+eager) keeps the eager warp schedule on in both orders.
  const bool eager = gan::simt::schedule().eager;
  for (auto order : {gan::simt::Order::forward, gan::simt::Order::reverse}) {
    gan::simt::ScopedSchedule scoped({order, 0, eager});
    body();
  }
  return eager ? "forward,reverse+eager" : "forward,reverse";
#endif
}

// ---- comparison --------------------------------------------------------------------

template <class T>
T nan_value() {
  return std::numeric_limits<T>::quiet_NaN();
}

// |got - ref| / max(|ref|, floor); both NaN (or equal infinities) count as
// equal, NaN against a number as infinitely wrong.
inline double rel_err(double got, double ref, double floor) {
  if (std::isnan(got) || std::isnan(ref)) return std::isnan(got) && std::isnan(ref) ? 0.0 : INFINITY;
  if (std::isinf(got) || std::isinf(ref)) return got == ref ? 0.0 : INFINITY;
  return std::abs(got - ref) / std::max(std::abs(ref), floor);
}

// Floor of the relative error's denominator: values below it are compared absolutely.
template <class T>
constexpr double err_floor() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-12;
}

template <class T>
double max_rel_err(const std::vector<T>& got, const std::vector<T>& ref, double floor = err_floor<T>()) {
  double e = 0;
  if (got.size() != ref.size()) return INFINITY;
  for (std::size_t i = 0; i < got.size(); ++i)
    e = std::max(e, rel_err(static_cast<double>(got[i]), static_cast<double>(ref[i]), floor));
  return e;
}

// For results that are differences of nearly equal terms (softmax backward:
// y * (dy - sum(dy * y))): elements below 1e-3 of the largest |ref| are
// compared relative to that scale, since their own relative error only
// measures the cancellation, not the kernel.
// term_scale: the size of the terms that cancel, for results whose reference
// can be 0 everywhere: a norm's backward over groups of one element is
// rstd * (dy - mean(dy) - xhat * mean(dy * xhat)) = 0 up to rounding, and on
// the H200 (FMAs) it left 1e-16 where the CPU left exactly 0.
template <class T>
double max_rel_err_scaled(const std::vector<T>& got, const std::vector<T>& ref, double term_scale = 0) {
  double scale = term_scale;
  for (T v : ref)
    if (std::isfinite(static_cast<double>(v))) scale = std::max(scale, std::abs(static_cast<double>(v)));
  return max_rel_err(got, ref, std::max(err_floor<T>(), 1e-3 * scale));
}

// The largest finite |v|: a term_scale for max_rel_err_scaled (e.g. of dy).
template <class T>
double max_abs(const std::vector<T>& v) {
  double m = 0;
  for (T x : v)
    if (std::isfinite(static_cast<double>(x))) m = std::max(m, std::abs(static_cast<double>(x)));
  return m;
}

// ---- the per-kernel table -------------------------------------------------------------

struct Row {
  std::string kernel, dtype, shapes, orders;
  double err;
};

inline std::vector<Row>& table() {
  static std::vector<Row> rows;
  return rows;
}

template <class T>
const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "f32";
  else if constexpr (std::is_same_v<T, double>) return "f64";
  else return "i64";
}

inline void record(const std::string& kernel, const std::string& dtype, const std::string& shapes,
                   const std::string& orders, double err) {
  table().push_back({kernel, dtype, shapes, orders, err});
  std::printf("[ kernel ] %-34s %-4s %-40s max rel err %.3g  orders %s\n", kernel.c_str(), dtype.c_str(),
              shapes.c_str(), err, orders.c_str());
}

// Compares, records one row and checks the tolerance.
template <class T>
void check_and_record(const std::string& kernel, const std::string& shapes, const std::string& orders,
                      double err, double tol) {
  record(kernel, dtype_name<T>(), shapes, orders, err);
  EXPECT_LE(err, tol) << kernel << " " << dtype_name<T>() << " " << shapes;
}

template <class T>
std::vector<T> random_vector(std::size_t n, uint32_t seed, double lo = -2.0, double hi = 2.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Fresh seeds for every case.
inline uint32_t next_seed() {
  static uint32_t s = 12345;
  return s += 7919;
}

inline std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out.append(",");
    out.append(std::to_string(s[i]));
  }
  out.append("]");
  return out;
}

// A kernel left an index fault for the host (gan/kernels/index_fault.h):
// raise_index_fault() throws once, naming `kernel` and containing `what`, and
// is clear afterwards.
inline void expect_index_fault(const char* kernel, const std::string& what) {
  try {
    kernels::cuda::raise_index_fault();
    ADD_FAILURE() << "expected KernelError from " << kernel;
  } catch (const kernels::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find(kernel), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(kernels::cuda::raise_index_fault()) << "raised once, then clear";
}

}  // namespace gan::cuda_test
