// SphereGAN's projection, distance and moment losses (sphere.h).
#include "gan/models/sphere.h"

#include <numbers>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models {

Tensor inverse_stereographic(const Tensor& u) {
  GAN_CHECK(u.dim() == 2 && u.size(1) >= 1, "inverse_stereographic: expected u [N, n], got ", shape_str(u.shape()));
  const Tensor s = ops::sum(ops::square(u), {1}, true);  // [N, 1] = |u|^2
  const Tensor inv = ops::reciprocal(s + 1.0);
  return ops::cat({2.0 * u * inv, (s - 1.0) * inv}, 1);
}

namespace {

// arccos(x) for x in (-1, 1), to 2e-8: A&S 4.4.46 on [0, 1] (sqrt(1 - t) p(t))
// and arccos(x) = pi - arccos(-x) below 0. Both branches are finite for
// |x| < 1, so where() passes no NaN. No graph: safe_acos records its own.
Tensor acos_value(const Tensor& x) {
  static const std::vector<double> a = {1.5707963050, -0.2145988016, 0.0889789874, -0.0501743046,
                                        0.0308918810, -0.0170881256, 0.0066700901, -0.0012624911};
  const auto branch = [&](const Tensor& t) {  // t in [0, 1): sqrt(1 - t) * p(t), Horner
    Tensor p = ops::mul(t, 0.0) + a.back();
    for (size_t k = a.size() - 1; k-- > 0;) p = p * t + a[k];
    return ops::sqrt(1.0 - t) * p;
  };
  return ops::where(ops::gt(x, 0.0), branch(x), std::numbers::pi - branch(-x));
}

}  // namespace

Tensor safe_acos(const Tensor& x, double eps) {
  GAN_CHECK(eps > 0 && eps < 1, "safe_acos: eps must be in (0, 1), got ", eps);
  const Tensor c = ops::clamp(x, -1.0 + eps, 1.0 - eps);  // its gradient is 0 outside: none reaches x there
  Tensor y;
  {
    NoGradGuard ng;
    y = acos_value(c);
  }
  autograd::record(y, "safe_acos", {c}, [c](const Tensor& g) {
    return std::vector<Tensor>{-g * ops::rsqrt(1.0 - ops::square(c))};
  });
  return y;
}

Tensor north_pole_distance(const Tensor& q) {
  GAN_CHECK(q.dim() == 2 && q.size(1) >= 2, "north_pole_distance: expected q [N, n + 1], got ", shape_str(q.shape()));
  const int64_t n = q.size(1) - 1;
  return safe_acos(ops::slice(q, 1, n, n + 1).reshape({q.size(0)}));  // <q, N> = q_n
}

namespace {

// sum_{r=1..R} mean(d^r), d [N].
Tensor moment_sum(const Tensor& d, int64_t moments) {
  GAN_CHECK(moments >= 1, "SphereGAN: the number of moments must be >= 1, got ", moments);
  Tensor power = d, total = ops::mean(d);
  for (int64_t r = 2; r <= moments; ++r) {
    power = power * d;
    total = total + ops::mean(power);
  }
  return total;
}

}  // namespace

Tensor sphere_d_loss(const Tensor& d_real, const Tensor& d_fake, int64_t moments) {
  return moment_sum(d_fake, moments) - moment_sum(d_real, moments);
}
Tensor sphere_g_loss(const Tensor& d_fake, int64_t moments) { return -moment_sum(d_fake, moments); }

}  // namespace gan::models
