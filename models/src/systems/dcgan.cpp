// DCGAN (Radford et al. 2016): the all-convolutional G and D of dcgan.h, z ~
// N(0, I), and the run's adversarial loss (non-saturating by default). The
// default run (configs/dcgan-fmnist.toml).
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {

class Dcgan : public GanSystem {
 public:
  explicit Dcgan(SystemSetup s) : GanSystem(std::move(s)), z_dim_(options().integer("z_dim")) {}

  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup()), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<DcganDiscriminator>(nets::dcgan_net(setup()), init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, z_dim_, gen, device), {}, {}};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(l.z); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override { return {D(x), {}, {}}; }

 private:
  int64_t z_dim_;
};

}  // namespace

SystemInfo gan_system_dcgan() {
  return {"dcgan", "all-convolutional G and D with batch norm; the default run",
          "Radford, Metz & Chintala 2016, Unsupervised representation learning with deep convolutional GANs",
          nets::dcgan_options(), [](SystemSetup s) { return std::make_unique<Dcgan>(std::move(s)); }};
}

}  // namespace gan::models
