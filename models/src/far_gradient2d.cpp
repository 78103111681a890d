// G's gradient far from the data (far_gradient2d.h).
#include "gan/models/far_gradient2d.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gan/autograd.h"
#include "gan/models/lipschitz.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

// ||d (N * L_G) / d x_i|| for G's points x [N, 2] judged by D, and D's
// judgement of each; real partners are real's rows cycled.
struct PointGradients {
  std::vector<double> norms, adv;
};

PointGradients g_loss_gradients(GanSystem& system, nn::Module& G, nn::Module& D, const Tensor& x, const Tensor& real) {
  autograd::EnableGradGuard eg(true);
  const Device dev = D.parameters().front().device();
  const int64_t n = x.size(0), r = real.size(0);
  std::vector<int64_t> cyc(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) cyc[static_cast<size_t>(i)] = i % r;
  const Tensor partners = ops::index_select0(real.to(Device::cpu()), Tensor::from_data({n}, cyc)).reshape({n, 2, 1, 1}).to(dev);
  Tensor xi = x.detach().to(dev).reshape({n, 2, 1, 1}).clone();
  xi.requires_grad_(true);
  const Tensor none;
  const Judgement jf = system.judge(D, xi, none);
  Judgement jr = system.judge(D, partners, none);
  jr.adv = jr.adv.detach();
  const Latent latent;
  const LossOut out = system.g_loss({jf, jr, latent, D, xi, 0, G});
  const Tensor g = autograd::grad({ops::mul(out.loss, static_cast<double>(n))}, {xi})[0];
  const std::vector<double> sq = ops::sum(ops::square(g.detach().flatten(1)), {1}).to(Device::cpu()).to_double_vector();
  PointGradients p;
  for (double s : sq) p.norms.push_back(std::sqrt(s));
  p.adv = jf.adv.detach().to(Device::cpu()).to_double_vector();
  return p;
}

double median(std::vector<double> v) { return v.empty() ? 0.0 : spread_of(std::move(v)).median; }

// D judges a point real above this output (the boundary between its two targets).
double real_side_threshold(LossKind k) { return k == LossKind::least_squares ? 0.5 : 0.0; }

}  // namespace

FarGradient far_gradient(GanSystem& system, nn::Module& G, nn::Module& D, const Tensor& samples, const Tensor& real,
                         const eval::GaussianMixture2d& mixture, int64_t side) {
  GAN_CHECK(side >= 2, "far_gradient: side must be >= 2, got ", side);
  GAN_CHECK(samples.dim() == 2 && samples.size(1) == 2 && real.dim() == 2 && real.size(1) == 2 && real.size(0) >= 1,
            "far_gradient: expected samples [M, 2] and real [R, 2], got ", shape_str(samples.shape()), " and ",
            shape_str(real.shape()));
  const auto& means = mixture.means;
  double lim = 3.0, spacing = std::numeric_limits<double>::infinity();  // the ring plot's square
  for (size_t a = 0; a < means.size(); ++a) {
    lim = std::max({lim, std::abs(means[a][0]) + 1, std::abs(means[a][1]) + 1});
    for (size_t b = a + 1; b < means.size(); ++b)
      spacing = std::min(spacing, std::hypot(means[a][0] - means[b][0], means[a][1] - means[b][1]));
  }
  const double far = std::isfinite(spacing) ? spacing / 2 : 1.0;
  std::vector<float> probe;
  for (int64_t i = 0; i < side; ++i)
    for (int64_t j = 0; j < side; ++j) {
      const double px = -lim + 2 * lim * static_cast<double>(j) / static_cast<double>(side - 1);
      const double py = -lim + 2 * lim * static_cast<double>(i) / static_cast<double>(side - 1);
      double nearest = std::numeric_limits<double>::infinity();
      for (const auto& m : means) nearest = std::min(nearest, std::hypot(px - m[0], py - m[1]));
      if (nearest > far) probe.insert(probe.end(), {static_cast<float>(px), static_cast<float>(py)});
    }
  FarGradient f;
  f.far_points = static_cast<int64_t>(probe.size() / 2);
  if (f.far_points > 0) {
    const PointGradients p = g_loss_gradients(system, G, D, Tensor::from_data({f.far_points, 2}, probe), real);
    const double t = real_side_threshold(system.setup().loss);
    std::vector<double> fooling;
    for (size_t i = 0; i < p.norms.size(); ++i)
      if (p.adv[i] > t) fooling.push_back(p.norms[i]);
    f.fooling_fraction = static_cast<double>(fooling.size()) / static_cast<double>(f.far_points);
    f.fooling_grad_median = median(fooling);
    f.far_grad_median = median(p.norms);
  }
  f.sample_grad_median = median(g_loss_gradients(system, G, D, samples, real).norms);
  return f;
}

}  // namespace gan::models
