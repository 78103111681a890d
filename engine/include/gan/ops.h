// Differentiable engine ops (tier 3 of DESIGN.md's kernel tiers).
//
// Each op validates its inputs (an error names the op and the shapes), picks the
// kernel for the tensors' device and dtype, and records its backward, written with
// these same ops so it can be differentiated again (create_graph). Ops whose
// backward is a first-order kernel say so in their family's table.
//
// Families, one implementation file each under engine/src/ops/:
//   elementwise.cpp  unary, binary (broadcasting), comparisons, where
//   reduce.cpp       sum / mean / max / min / var over dims, sum_to, expand
//   shape.cpp        permute, transpose, cat, slice, (views are Tensor methods)
//   linalg.cpp       matmul, linear
//   conv.cpp         conv2d, conv_transpose2d (+ their dgrad/wgrad ops)
//   resample.cpp     avg_pool2d, upsample nearest / bilinear
//   norm.cpp         batch_norm, layer_norm, instance_norm
//   loss.cpp         bce_with_logits, mse, cross_entropy, softmax, log_softmax
//   embedding.cpp    embedding
//   random.cpp       dropout-free random creation helpers (randn_like, ...)
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::ops {

// ---- elementwise (broadcasting like NumPy/PyTorch) -------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);      // a > 0 where b is not an integer
Tensor maximum(const Tensor& a, const Tensor& b);  // gradient to the larger (a on ties)
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);            // s - a
Tensor pow(const Tensor& a, double exponent);
// Comparisons: 1 where true, 0 elsewhere, same dtype; no gradient.
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double s);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond != 0 ? a : b

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);    // no gradient
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double slope = 0.2);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softplus(const Tensor& x);

// ---- reductions --------------------------------------------------------------
// dims: any set of dims (negative counts from the end); empty = all dims.
Tensor sum(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor max(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);  // gradient split among ties
Tensor min(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, std::vector<int64_t> dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor sum_to(const Tensor& x, const Shape& shape);  // reduce broadcast dims back to `shape`
Tensor expand(const Tensor& x, const Shape& shape);  // broadcast copy

// ---- shape ---------------------------------------------------------------------
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);  // PyTorch clamping
Tensor index_select0(const Tensor& x, const Tensor& idx);  // rows of dim 0 by i64 indices

// ---- linear algebra ------------------------------------------------------------
// [.., n, k] @ [.., k, m] -> [.., n, m], batch dims broadcast; 1-D operands as in NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [.., in] , w [out, in], b [out] or undefined -> [.., out]
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = {});

// ---- convolution (NCHW) -------------------------------------------------------
struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};
struct ConvTranspose2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> output_padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};
// x [N, C_in, H, W], w [C_out, C_in/groups, KH, KW], b [C_out] or undefined
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = {}, const Conv2dOptions& o = {});
// x [N, C_in, H, W], w [C_in, C_out/groups, KH, KW], b [C_out] or undefined
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b = {},
                        const ConvTranspose2dOptions& o = {});

// ---- resampling ----------------------------------------------------------------
Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride = {0, 0},
                  std::array<int64_t, 2> padding = {0, 0}, bool count_include_pad = true);
Tensor upsample_nearest2d(const Tensor& x, int64_t h_out, int64_t w_out);
Tensor upsample_bilinear2d(const Tensor& x, int64_t h_out, int64_t w_out, bool align_corners = false);

// ---- normalization ---------------------------------------------------------------
// x [N, C, ...]; gamma/beta [C] or undefined. Training: batch statistics, and
// running_mean/var (if defined) updated in place with momentum (no gradient).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// Normalizes over the last `normalized_dims` dims; gamma/beta of that trailing shape or undefined.
Tensor layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& gamma = {}, const Tensor& beta = {},
                  double eps = 1e-5);
// x [N, C, H, W], per-(n, c) statistics over H*W; gamma/beta [C] or undefined.
Tensor instance_norm(const Tensor& x, const Tensor& gamma = {}, const Tensor& beta = {}, double eps = 1e-5);

// ---- losses (reduce: mean by default) --------------------------------------------
enum class Reduction { none, mean, sum };
Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction r = Reduction::mean);
Tensor mse_loss(const Tensor& x, const Tensor& target, Reduction r = Reduction::mean);
// logits [N, C], labels [N] i64. A label outside [0, C): gan::Error from the
// op on the CPU; on CUDA from the next read back (gan/kernels/index_fault.h).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction r = Reduction::mean);
Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

// ---- embedding -------------------------------------------------------------------
// idx [...] i64, table [num, dim] -> [..., dim]. Bad indices as cross_entropy's labels.
Tensor embedding(const Tensor& idx, const Tensor& table);

// ---- random creation --------------------------------------------------------------
Tensor randn_like(const Tensor& x, Generator& gen);
Tensor rand_like(const Tensor& x, Generator& gen);

}  // namespace gan::ops

namespace gan {

// Arithmetic operators for readable model and loss code.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return ops::sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return ops::mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return ops::div(a, b); }
inline Tensor operator-(const Tensor& a) { return ops::neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return ops::add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return ops::add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return ops::add(a, -s); }
inline Tensor operator-(double s, const Tensor& a) { return ops::rsub(s, a); }
inline Tensor operator*(const Tensor& a, double s) { return ops::mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return ops::mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return ops::mul(a, 1.0 / s); }

}  // namespace gan
#include "gan/ops/spectral.h"
#include "gan/ops/cond_norm.h"
#include "gan/ops/style.h"  // IWYU pragma: export (StyleGAN / ProGAN ops)
#include "gan/ops/attention.h"  // attention (issue #5)
#include "gan/ops/norm_act.h"  // batch_norm_act: batch norm + fused relu / leaky_relu (issue #4)
