// The 2-D MLP nets of the mixture benchmarks (toy2d.h) as a base system, the
// way PlainDcgan is the DCGAN nets': MLP G (z -> hidden -> hidden -> 2, ReLU)
// and D (2 -> hidden -> hidden -> outputs, LeakyReLU 0.2), PyTorch's default
// Linear init. Points travel as [N, 2, 1, 1] (image_size = 1, channels = 2).
// Every eval interval it measures mode coverage on eval_samples latents (fixed,
// drawn from its own seed): modes_covered and high_quality (VEEGAN: within 3
// std of a mode), and, where D judges single points, G's gradient far from
// the data (far_gradient2d.h: far_fooling_fraction, far_fooling_grad_median,
// far_grad_median, sample_grad_median); sample grids are scatter plots with the modes marked. The
// mixture is the table's `mixture` key (stored in checkpoints, so sampling
// knows it); attach_data checks it against the run's dataset.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gan/models/gan_system.h"
#include "gan/models/options.h"
#include "gan/models/toy2d.h"

namespace gan::models::nets {

// z_dim (8), hidden (128), eval_samples (2,500), eval_seed (3), mixture ("ring8").
std::vector<OptionSpec> mlp2d_options();

class PlainMlp2d : public GanSystem {
 public:
  // `system` names the table in errors; d_outputs is the width of D's last layer
  // (1: judge's adv is [N]; more: adv is D's raw [N, d_outputs], for a system
  // that maps it on).
  PlainMlp2d(SystemSetup s, std::string system, int64_t d_outputs = 1);

  nn::ModulePtr make_generator(Generator& init) override;
  nn::ModulePtr make_discriminator(Generator& init) override;
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override;
  Tensor generate(nn::Module& G, const Latent& l) override;
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override;
  void attach_data(const std::shared_ptr<const Dataset>& data) override;
  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module& D) override;
  io::Image render_samples(const Tensor& samples, int64_t nrow) override;
  bool supports_d_remedies() const override { return true; }  // D reads 2 * pack numbers; stddev before its last layer

 protected:
  std::string system_;
  int64_t z_dim_, hidden_, d_outputs_;
  bool d_layer_norm_ = false;  // LayerNorm after D's hidden Linears (a system's d_norm = "layer")
  TrainingMixture mixture_;
  Tensor eval_z_, eval_real_;  // [eval_samples, z_dim], [eval_samples, 2] on the CPU
};

}  // namespace gan::models::nets
