// SphereGAN (Park & Kwon 2019, "Sphere generative adversarial network based on
// geometric moment matching"): D ends in n outputs u, mapped onto the unit
// sphere S^n by the inverse stereographic projection; a sample is judged by
// its geodesic distance to the north pole, and the losses match the first R
// moments of those distances (sphere.h):
//   L_D = sum_r E d(fake)^r - E d(real)^r        L_G = -sum_r E d(fake)^r
// with no gradient penalty (the sphere bounds every distance by pi). The
// paper's Geometric Block is a dense layer to n = 1024 before the projection;
// here D's own last layer has n outputs (sphere_dim). judge's adv is the
// distance d in [0, pi] (so monitoring reads raw means: the run's `loss` must
// be "wasserstein", whose first-moment analogue SphereGAN is). On the DCGAN
// nets (D with layer norm, the paper's) or the 2-D MLP nets (either_nets.h).
// Logged: distance_real, distance_fake (mean d; D drives them apart).
#include <memory>

#include "../nets/either_nets.h"
#include "gan/models/registry.h"
#include "gan/models/sphere.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

template <class Nets>
class SphereGan : public Nets {
 public:
  explicit SphereGan(SystemSetup s)
      : Nets(SystemSetup(s), "spheregan", sphere_dim(s)), moments_(this->options().integer("moments")) {
    GAN_CHECK(moments_ >= 1, "config key 'moments' in table [spheregan]: must be >= 1 (the paper: 3), got ", moments_);
    nets::require_loss(this->setup(), LossKind::wasserstein, "spheregan");
  }

  // adv = d(Pi^-1(u)) [N] for D's raw outputs u [N, n].
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override {
    Judgement j = Nets::judge(D, x, y);
    j.adv = north_pole_distance(inverse_stereographic(j.adv));
    return j;
  }
  LossOut d_loss(const DLossInput& in) override {
    return {sphere_d_loss(in.real.adv, in.fake.adv, moments_),
            {{"distance_real", ops::mean(in.real.adv)}, {"distance_fake", ops::mean(in.fake.adv)}}};
  }
  LossOut g_loss(const GLossInput& in) override { return {sphere_g_loss(in.fake.adv, moments_), {}}; }

 private:
  static int64_t sphere_dim(const SystemSetup& s) {
    const int64_t n = s.options.integer("sphere_dim");
    GAN_CHECK(n >= 1, "config key 'sphere_dim' in table [spheregan]: must be >= 1 (the paper: 1024), got ", n);
    return n;
  }
  int64_t moments_;
};

}  // namespace

SystemInfo gan_system_spheregan() {
  return {"spheregan",
          "D's outputs projected onto a hypersphere; losses match moments of the geodesic distance to the north pole, "
          "no gradient penalty",
          "Park & Kwon 2019, Sphere generative adversarial network based on geometric moment matching",
          nets::image_or_point_options(
              {{"moments", OptionType::integer, "3", "R: distance moments 1..R in the loss (the paper: 3)"},
               {"sphere_dim", OptionType::integer, "64",
                "n: D's outputs, projected onto S^n (the paper's Geometric Block: 1024)"},
               {"d_norm", OptionType::string, "layer",
                "D's hidden normalization: layer (the paper's), batch or none (2-D nets: layer or none)"}}),
          [](SystemSetup s) { return nets::on_data_nets<SphereGan>(std::move(s)); }};
}

}  // namespace gan::models
