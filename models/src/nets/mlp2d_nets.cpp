// The 2-D MLP nets as a base system (mlp2d_nets.h) and the keys of a system on
// either nets (either_nets.h).
#include "mlp2d_nets.h"

#include "either_nets.h"

#include "gan/autograd.h"
#include "gan/models/data.h"
#include "gan/models/far_gradient2d.h"
#include "gan/nn/layers.h"
#include "gan/ops/style.h"
#include "system_nets.h"

namespace gan::models::nets {

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

// ProGAN's minibatch stddev on feature vectors: [N, F] -> [N, F + 1].
class FeatureStddev : public nn::Module {
 public:
  explicit FeatureStddev(int64_t group) : Module("FeatureStddev"), group_(group) {}
  Tensor forward(const Tensor& x) override {
    const Tensor y = ops::minibatch_stddev(x.reshape({x.size(0), x.size(1), 1, 1}), group_);
    return y.reshape({x.size(0), x.size(1) + 1});
  }

 private:
  int64_t group_;
};

// D: [N, 2 * pack] -> hidden -> hidden (-> + stddev) -> [N, out]. Without the
// remedies and layer norm the same layers (and state-dict names) as the
// G-shaped mlp(). layer_norm: LayerNorm([hidden]) after each hidden Linear,
// before its activation (as the DCGAN D's layer norm; SphereGAN's D has it).
std::shared_ptr<nn::Sequential> mlp_d(int64_t in, int64_t hidden, int64_t out, int64_t stddev_group, bool layer_norm,
                                      Generator& gen) {
  auto d = mlp(in, hidden, out, true, gen);
  if (stddev_group == 0 && !layer_norm) return d;
  auto s = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i + 1 < d->size(); ++i) {
    s->push_back((*d)[i]);
    if (layer_norm && dynamic_cast<nn::Linear*>((*d)[i].get()))
      s->push_back(std::make_shared<nn::LayerNorm>(std::vector<int64_t>{hidden}));
  }
  if (stddev_group > 0) s->push_back(std::make_shared<FeatureStddev>(stddev_group));
  s->push_back(stddev_group > 0 ? std::make_shared<nn::Linear>(hidden + 1, out, gen) : (*d)[d->size() - 1]);
  return s;
}

// A system's `d_norm` key on the 2-D nets: "layer" -> true, "none" -> false;
// else gan::Error naming [system].d_norm (batch and spectral are the DCGAN D's only).
bool mlp2d_d_layer_norm(const std::string& system, const std::string& d_norm) {
  GAN_CHECK(d_norm == "layer" || d_norm == "none", "config key 'd_norm' in table [", system,
            "]: the 2-D nets' D takes \"layer\" or \"none\", got \"", d_norm, "\"");
  return d_norm == "layer";
}

// G's points [N, 2] on the CPU for fixed latents z, without a graph.
Tensor points(nn::Module& G, const Tensor& z) {
  NoGradGuard ng;
  const Device dev = G.parameters().front().device();
  return G(z.to(dev)).to(Device::cpu());
}

}  // namespace

std::vector<OptionSpec> mlp2d_options() {
  return {{"z_dim", OptionType::integer, "8", "length of z"},
          {"hidden", OptionType::integer, "128", "width of both MLPs' two hidden layers"},
          {"eval_samples", OptionType::integer, "2500", "latents per mode-coverage evaluation (VEEGAN: 2,500)"},
          {"eval_seed", OptionType::integer, "3", "stream of the evaluation latents and reference points"},
          {"mixture", OptionType::string, "ring8",
           "the 2-D mixture whose modes are counted: ring8 or grid25 (must match dataset = \"mixture:<it>\")"}};
}

std::vector<OptionSpec> image_or_point_options(const std::vector<OptionSpec>& extra) {
  std::vector<OptionSpec> o = dcgan_options();
  for (const OptionSpec& m : mlp2d_options())
    if (m.key != "z_dim") o.push_back(m);
  o.insert(o.end(), extra.begin(), extra.end());
  return o;
}

PlainMlp2d::PlainMlp2d(SystemSetup s, std::string system, int64_t d_outputs)
    : GanSystem(std::move(s)),
      system_(std::move(system)),
      z_dim_(options().integer("z_dim")),
      hidden_(options().integer("hidden")),
      d_outputs_(d_outputs),
      mixture_(training_mixture("mixture:" + options().string("mixture"))) {
  if (options().has("d_norm")) d_layer_norm_ = mlp2d_d_layer_norm(options().table(), options().string("d_norm"));
  GAN_CHECK(setup().channels == 2 && setup().image_size == 1, "system '", system_, "' on the 2-D nets trains on ",
            "2-D points: set image_size = 1 and channels = 2 (dataset \"", mixture_.dataset, "\"), got image_size ",
            setup().image_size, " and channels ", setup().channels);
  Generator eval_gen(static_cast<uint64_t>(options().integer("eval_seed")));
  eval_z_ = normal_noise(options().integer("eval_samples"), z_dim_, eval_gen, Device::cpu());
  eval_real_ = mixture_points(mixture_, eval_z_.size(0), eval_gen);
}

nn::ModulePtr PlainMlp2d::make_generator(Generator& init) { return mlp(z_dim_, hidden_, 2, false, init); }
nn::ModulePtr PlainMlp2d::make_discriminator(Generator& init) {
  return mlp_d(2 * setup().pack, hidden_, d_outputs_, setup().minibatch_stddev, d_layer_norm_, init);
}
Latent PlainMlp2d::sample_latent(int64_t n, Generator& gen, Device device, int64_t) {
  return {normal_noise(n, z_dim_, gen, device), {}, {}};
}
Tensor PlainMlp2d::generate(nn::Module& G, const Latent& l) { return G(l.z).reshape({l.size(), 2, 1, 1}); }
Judgement PlainMlp2d::judge(nn::Module& D, const Tensor& x, const Tensor&) {
  const Tensor out = D(x.reshape({x.size(0), x.size(1)}));  // [N, 2 * pack] -> [N, d_outputs]
  return {d_outputs_ == 1 ? out.reshape({x.size(0)}) : out, {}, {}};
}

void PlainMlp2d::attach_data(const std::shared_ptr<const Dataset>& data) {
  const std::string& src = data->source;
  GAN_CHECK(src.rfind("mixture:", 0) != 0 || src == mixture_.dataset, "config key 'mixture' in table [", system_,
            "]: the run's dataset is \"", src, "\" but the modes counted are \"", mixture_.dataset, "\"'s: set ",
            system_, ".mixture = \"", src.substr(8), "\"");
}

std::vector<std::pair<std::string, double>> PlainMlp2d::evaluate(nn::Module& G, nn::Module& D) {
  const Tensor fake = points(G, eval_z_);
  const ModeStats s = evaluate_modes(fake, mixture_.mixture, mixture_.min_fraction);
  std::vector<std::pair<std::string, double>> out = {{"modes_covered", s.covered}, {"high_quality", s.high_quality}};
  // G's gradient far from the data (LSGAN's argument), where D judges single points.
  if (d_outputs_ == 1 && setup().pack == 1 && setup().minibatch_stddev == 0) {
    const FarGradient f = far_gradient(*this, G, D, fake, eval_real_, mixture_.mixture);
    out.insert(out.end(), {{"far_fooling_fraction", f.fooling_fraction},
                           {"far_fooling_grad_median", f.fooling_grad_median},
                           {"far_grad_median", f.far_grad_median},
                           {"sample_grad_median", f.sample_grad_median}});
  }
  return out;
}

io::Image PlainMlp2d::render_samples(const Tensor& samples, int64_t) {
  const Tensor p = samples.reshape({samples.size(0), 2});
  return ring_plot(eval_real_, p, mixture_.mixture, evaluate_modes(p, mixture_.mixture, mixture_.min_fraction));
}

}  // namespace gan::models::nets
