// Projection discriminator cGAN (Miyato & Koyama 2018): D(x, y) = psi(phi(x)) +
// <embed(y), pool(phi(x))>, the class entering D by an inner product with its
// features instead of by concatenation; G with class-conditional batch norm
// (cond_dcgan.h). phi is the DCGAN D body ([N, w, k, k]); psi its last conv;
// pool sums over positions, as the paper's global sum pooling. The class
// embedding starts at zero, so D starts unconditional and learns the class
// term. (A first version mean-pooled phi and drew the embedding from
// N(0, 0.02): the projection term was 49x weaker per unit of embedding at
// 28x28, and after 1,500 steps G ignored the class, 13 % requested-class
// accuracy.) Hinge loss in its config, as in the paper.
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/cond_dcgan.h"
#include "gan/models/registry.h"
#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

// x [N, C, S, S], y [N] i64 -> [N].
class ProjectionDiscriminator : public nn::Module {
 public:
  ProjectionDiscriminator(const DcganOptions& o, int64_t num_classes, Generator& gen)
      : Module("ProjectionDiscriminator"), body(std::make_shared<DcganDiscriminator>(o, gen)) {
    register_module("body", body);
    const int64_t w = dynamic_cast<const nn::Conv2d&>(*(*body->main)[body->main->size() - 1]).in_channels;
    embed = std::make_shared<nn::Embedding>(num_classes, w, gen);
    nn::init::zeros_(embed->weight);
    register_module("embed", embed);
  }
  Tensor forward(const Tensor& x, const Tensor& y) {
    const Tensor h = body->features(x);                 // [N, w, k, k]
    const Tensor pooled = ops::sum(h, {2, 3});          // [N, w]
    const Tensor proj = ops::sum((*embed)(y) * pooled, {1});  // [N]
    return body->head(h) + proj;
  }

  std::shared_ptr<DcganDiscriminator> body;
  std::shared_ptr<nn::Embedding> embed;
};

class Projection : public GanSystem {
 public:
  explicit Projection(SystemSetup s)
      : GanSystem(std::move(s)), z_dim_(options().integer("z_dim")), k_(setup().num_classes) {}

  bool conditional() const override { return true; }
  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<CondDcganGenerator>(nets::dcgan_net(setup()), k_, init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<ProjectionDiscriminator>(nets::dcgan_net(setup()), k_, init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override {
    return nets::conditional_latent(n, z_dim_, k_, gen, device, klass);
  }
  Tensor generate(nn::Module& G, const Latent& l) override {
    return nets::as<CondDcganGenerator>(G, "projection").forward(l.z, l.y);
  }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override {
    return {nets::as<ProjectionDiscriminator>(D, "projection").forward(x, y), {}, {}};
  }

 private:
  int64_t z_dim_, k_;
};

}  // namespace

SystemInfo gan_system_projection() {
  return {"projection", "class by an inner product with D's features; G with class-conditional batch norm",
          "Miyato & Koyama 2018, cGANs with projection discriminator", nets::dcgan_options(),
          [](SystemSetup s) { return std::make_unique<Projection>(std::move(s)); }};
}

}  // namespace gan::models
