// Conditional GAN (Mirza & Osindero 2014): the class enters both players as a
// one-hot vector — concatenated to z for G ([N, z_dim + K]) and as K constant
// planes concatenated to the image for D ([N, C + K, S, S]) — on the DCGAN
// nets. The loss is the run's adversarial loss on D(x, y).
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Cgan : public GanSystem {
 public:
  explicit Cgan(SystemSetup s)
      : GanSystem(std::move(s)), z_dim_(options().integer("z_dim")), k_(setup().num_classes) {}

  bool conditional() const override { return true; }
  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup(), k_), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<DcganDiscriminator>(nets::dcgan_net(setup(), 0, k_), init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override {
    return nets::conditional_latent(n, z_dim_, k_, gen, device, klass);
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(ops::cat({l.z, nets::one_hot(l.y, k_)}, 1)); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override {
    const int64_t n = x.size(0), s = x.size(2);
    const Tensor planes = ops::expand(nets::one_hot(y, k_).reshape({n, k_, 1, 1}), {n, k_, s, s});
    return {D(ops::cat({x, planes}, 1)), {}, {}};
  }

 private:
  int64_t z_dim_, k_;
};

}  // namespace

SystemInfo gan_system_cgan() {
  return {"cgan", "class as a one-hot input to G (with z) and to D (as image planes)",
          "Mirza & Osindero 2014, Conditional generative adversarial nets", nets::dcgan_options(),
          [](SystemSetup s) { return std::make_unique<Cgan>(std::move(s)); }};
}

}  // namespace gan::models
