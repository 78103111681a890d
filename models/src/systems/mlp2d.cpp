// The 2-D GAN of the mode-collapse literature (Metz et al. 2017; Srivastava et
// al. 2017, VEEGAN) on the generic Trainer: MLP G (z -> hidden -> hidden -> 2,
// ReLU) and D (2 -> hidden -> hidden -> 1, LeakyReLU 0.2), PyTorch's default
// Linear init, the run's adversarial loss. Data: dataset = "mixture:ring8"
// (image_size = 1, channels = 2: points travel as [N, 2, 1, 1]). Every eval
// interval it measures mode coverage on eval_samples latents (fixed, drawn
// from its own seed): modes_covered and high_quality (VEEGAN: within 3 std of
// a mode). Sample grids are scatter plots with the modes marked.
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/models/toy2d.h"
#include "gan/nn/layers.h"

namespace gan::models {

namespace {

std::shared_ptr<nn::Sequential> mlp(int64_t in, int64_t hidden, int64_t out, bool leaky, Generator& gen) {
  auto act = [&]() -> nn::ModulePtr {
    if (leaky) return std::make_shared<nn::LeakyReLU>(0.2);
    return std::make_shared<nn::ReLU>();
  };
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Linear>(in, hidden, gen), act(), std::make_shared<nn::Linear>(hidden, hidden, gen), act(),
      std::make_shared<nn::Linear>(hidden, out, gen)});
}

class Mlp2d : public GanSystem {
 public:
  explicit Mlp2d(SystemSetup s)
      : GanSystem(std::move(s)), z_dim_(options().integer("z_dim")), hidden_(options().integer("hidden")) {
    GAN_CHECK(setup().channels == 2 && setup().image_size == 1, "system 'mlp2d' trains on 2-D points: set ",
              "image_size = 1 and channels = 2 (dataset \"mixture:ring8\"), got image_size ", setup().image_size,
              " and channels ", setup().channels);
    Generator eval_gen(static_cast<uint64_t>(options().integer("eval_seed")));
    eval_z_ = nets::normal_noise(options().integer("eval_samples"), z_dim_, eval_gen, Device::cpu());
    eval_real_ = ring_.sample(eval_z_.size(0), eval_gen);
  }

  nn::ModulePtr make_generator(Generator& init) override { return mlp(z_dim_, hidden_, 2, false, init); }
  nn::ModulePtr make_discriminator(Generator& init) override { return mlp(2, hidden_, 1, true, init); }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, z_dim_, gen, device), {}, {}};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(l.z).reshape({l.size(), 2, 1, 1}); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    return {D(x.reshape({x.size(0), 2})).reshape({x.size(0)}), {}, {}};
  }

  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module&) override {
    const ModeStats s = evaluate_modes(points(G, eval_z_), ring_);
    return {{"modes_covered", s.covered}, {"high_quality", s.high_quality}};
  }
  io::Image render_samples(const Tensor& samples, int64_t) override {
    const Tensor p = samples.reshape({samples.size(0), 2});
    return ring_plot(eval_real_, p, ring_, evaluate_modes(p, ring_));
  }

 private:
  static Tensor points(nn::Module& G, const Tensor& z) {
    NoGradGuard ng;
    const Device dev = G.parameters().front().device();
    return G(z.to(dev)).to(Device::cpu());
  }

  int64_t z_dim_, hidden_;
  RingOfGaussians ring_;
  Tensor eval_z_, eval_real_;
};

}  // namespace

SystemInfo gan_system_mlp2d() {
  return {"mlp2d", "MLP G and D on 2-D points (the 8-Gaussian ring); mode coverage every eval interval",
          "Metz et al. 2017, Unrolled GANs; Srivastava et al. 2017, VEEGAN (the ring benchmark)",
          {{"z_dim", OptionType::integer, "8", "length of z"},
           {"hidden", OptionType::integer, "128", "width of both MLPs' two hidden layers"},
           {"eval_samples", OptionType::integer, "2500", "latents per mode-coverage evaluation (VEEGAN: 2,500)"},
           {"eval_seed", OptionType::integer, "3", "stream of the evaluation latents and reference points"}},
          [](SystemSetup s) { return std::make_unique<Mlp2d>(std::move(s)); }};
}

}  // namespace gan::models
