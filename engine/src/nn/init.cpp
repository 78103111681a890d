// Initializers (torch.nn.init formulas) and the DCGAN initialization rule.
#include "gan/nn/init.h"

#include <cmath>
#include <vector>

#include "gan/autograd.h"
#include "gan/nn/layers.h"
#include "gan/nn/module.h"

namespace gan::nn::init {

namespace {
void check_init_target(const char* fn, const Tensor& t) {
  check_defined(fn, "tensor", t);
  GAN_CHECK(is_floating(t.dtype()), fn, ": expected a floating-point tensor, got ", t.str());
}

// Writes `src` (a CPU tensor of t's shape) into t under no_grad.
void assign(const Tensor& t, const Tensor& src) {
  NoGradGuard guard;
  Tensor dst = t;
  dst.copy_(src);
}

// Draws on the CPU in t's dtype (the Philox stream of that dtype).
Tensor draw_uniform(const Tensor& t, Generator& gen, double a, double b) {
  return Tensor::rand(t.shape(), gen, a, b, Options{t.dtype()});
}

Tensor draw_normal(const Tensor& t, Generator& gen, double mean, double std) {
  Tensor z = Tensor::randn(t.shape(), gen, Options{t.dtype()});
  const int64_t n = z.numel();
  if (z.dtype() == DType::f32) {
    float* p = z.data<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(mean + std * static_cast<double>(p[i]));
  } else {
    double* p = z.data<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = mean + std * p[i];
  }
  return z;
}

double fan_of(const Tensor& t, FanMode mode, const char* fn) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  const int64_t fan = mode == FanMode::fan_in ? fan_in : fan_out;
  GAN_CHECK(fan > 0, fn, ": tensor ", shape_str(t.shape()), " has zero fan");
  return static_cast<double>(fan);
}
}  // namespace

double calculate_gain(Nonlinearity nl, double param) {
  switch (nl) {
    case Nonlinearity::linear:
    case Nonlinearity::conv:
    case Nonlinearity::sigmoid: return 1.0;
    case Nonlinearity::tanh: return 5.0 / 3.0;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + param * param));
  }
  return 1.0;
}

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  check_defined("fan_in_and_fan_out", "tensor", t);
  GAN_CHECK(t.dim() >= 2, "fan_in_and_fan_out: needs a tensor with at least 2 dims, got ", shape_str(t.shape()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor normal_(const Tensor& t, Generator& gen, double mean, double std) {
  check_init_target("normal_", t);
  GAN_CHECK(std >= 0, "normal_: std must be >= 0, got ", std);
  assign(t, draw_normal(t, gen, mean, std));
  return t;
}

Tensor uniform_(const Tensor& t, Generator& gen, double a, double b) {
  check_init_target("uniform_", t);
  GAN_CHECK(a <= b, "uniform_: lower bound ", a, " exceeds upper bound ", b);
  assign(t, draw_uniform(t, gen, a, b));
  return t;
}

Tensor constant_(const Tensor& t, double value) {
  check_defined("constant_", "tensor", t);
  NoGradGuard guard;
  Tensor dst = t;
  dst.fill_(value);
  return t;
}
Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(const Tensor& t, Generator& gen, double gain) {
  check_init_target("xavier_uniform_", t);
  const auto [fi, fo] = fan_in_and_fan_out(t);
  GAN_CHECK(fi + fo > 0, "xavier_uniform_: tensor ", shape_str(t.shape()), " has zero fan");
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fi + fo));
  const double a = std::sqrt(3.0) * std;
  return uniform_(t, gen, -a, a);
}

Tensor xavier_normal_(const Tensor& t, Generator& gen, double gain) {
  check_init_target("xavier_normal_", t);
  const auto [fi, fo] = fan_in_and_fan_out(t);
  GAN_CHECK(fi + fo > 0, "xavier_normal_: tensor ", shape_str(t.shape()), " has zero fan");
  return normal_(t, gen, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fi + fo)));
}

Tensor kaiming_uniform_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nl) {
  check_init_target("kaiming_uniform_", t);
  const double std = calculate_gain(nl, a) / std::sqrt(fan_of(t, mode, "kaiming_uniform_"));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(t, gen, -bound, bound);
}

Tensor kaiming_normal_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nl) {
  check_init_target("kaiming_normal_", t);
  const double std = calculate_gain(nl, a) / std::sqrt(fan_of(t, mode, "kaiming_normal_"));
  return normal_(t, gen, 0.0, std);
}

Tensor orthogonal_(const Tensor& t, Generator& gen, double gain) {
  check_init_target("orthogonal_", t);
  GAN_CHECK(t.dim() >= 2, "orthogonal_: needs a tensor with at least 2 dims, got ", shape_str(t.shape()));
  if (t.numel() == 0) return t;
  const int64_t rows = t.size(0);
  const int64_t cols = t.numel() / rows;
  // The [rows, cols] normal draw, as torch: flattened = new(rows, cols).normal_().
  const std::vector<double> flat = draw_normal(t, gen, 0.0, 1.0).to_double_vector();
  // Work on the tall orientation A [m, n], m >= n: A = flat, or flat^T when rows < cols.
  const bool transposed = rows < cols;
  const int64_t m = transposed ? cols : rows, n = transposed ? rows : cols;
  // Column-major copy: col j of A at q[j*m .. j*m+m).
  std::vector<double> q(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      q[static_cast<size_t>(j * m + i)] =
          transposed ? flat[static_cast<size_t>(j * cols + i)] : flat[static_cast<size_t>(i * cols + j)];
  // Modified Gram-Schmidt: R's diagonal (the column norms) comes out positive,
  // which is exactly torch's sign correction q * sign(diag(r)) of a Householder QR.
  for (int64_t j = 0; j < n; ++j) {
    double* qj = &q[static_cast<size_t>(j * m)];
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += qj[i] * qj[i];
    norm = std::sqrt(norm);
    GAN_CHECK(norm > 0, "orthogonal_: the random draw is rank deficient (column ", j, ")");
    for (int64_t i = 0; i < m; ++i) qj[i] /= norm;
    for (int64_t k = j + 1; k < n; ++k) {
      double* qk = &q[static_cast<size_t>(k * m)];
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += qj[i] * qk[i];
      for (int64_t i = 0; i < m; ++i) qk[i] -= dot * qj[i];
    }
  }
  // Back to [rows, cols] (transposing again when needed), times gain.
  std::vector<double> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      // transposed: out[r, c] = Q^T[r, c] = Q[c, r] (Q is [cols, rows]); else out[r, c] = Q[r, c].
      const double v = transposed ? q[static_cast<size_t>(r * m + c)] : q[static_cast<size_t>(c * m + r)];
      out[static_cast<size_t>(r * cols + c)] = gain * v;
    }
  assign(t, Tensor::from_data(t.shape(), out, Options{DType::f64}));
  return t;
}

void dcgan_init(Module& root, Generator& gen) {
  // Pre-order, in registration order, so the draws are reproducible.
  std::function<void(Module&)> visit = [&](Module& m) {
    if (auto* c = dynamic_cast<Conv2d*>(&m)) {
      normal_(c->weight, gen, 0.0, 0.02);
    } else if (auto* ct = dynamic_cast<ConvTranspose2d*>(&m)) {
      normal_(ct->weight, gen, 0.0, 0.02);
    } else if (auto* bn = dynamic_cast<BatchNorm2d*>(&m)) {
      if (bn->weight.defined()) normal_(bn->weight, gen, 1.0, 0.02);
      if (bn->bias.defined()) zeros_(bn->bias);
    }
    for (const auto& [name, child] : m.named_children()) visit(*child);
  };
  visit(root);
}

}  // namespace gan::nn::init
