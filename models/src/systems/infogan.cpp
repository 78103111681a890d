// InfoGAN (Chen et al. 2016): G takes z and a code c — a categorical code
// (n_cat values, one-hot) and n_cont continuous codes ~ U(-1, 1) — and the
// players also maximize a variational lower bound of the mutual information
// I(c; G(z, c)) through an auxiliary distribution Q(c | x), a head sharing D's
// body (the paper's FC-128-BN-LeakyReLU-FC on D's penultimate features):
//   L_I = CE(Q_cat(x), c_cat) + sum_j -log N(c_j; mu_j(x), sigma_j(x)),  x = G(z, c)
//   L_D = adv_D(real, fake) + lambda L_I        (D's body learns features Q can read)
//   L_G = adv_G(fake)       + lambda L_I        (G and Q: the paper's min over G, Q)
// Q's parameters train with G (g_parameters), D's body with D (d_parameters);
// lambda = 1. The continuous codes' Gaussian has a fixed sigma = 1, as the
// paper's MNIST code, or a learned log-sigma (option learn_std).
//
// Logged (G step, nats): mi_cat = ln(n_cat) - CE, the categorical part of the
// bound (at most ln 10 ~ 2.30, reached when Q recovers the code), q_cat_acc,
// and mi_cont = sum_j (ln 2 + E log Q(c_j | x)) (H(U(-1,1)) = ln 2 each).
// Every eval interval on 1-channel 28x28 data: code_class_agreement — eval_per_code
// samples of each code value (fixed latents, stream eval_seed), classified by
// the metric suite's Fashion-MNIST classifier, matched one-to-one to classes
// (Hungarian algorithm, eval/probe.h): the share of samples whose class is
// their code's matched class (unsupervised clustering accuracy; chance ~ 0.1+).
// latent_classes() = n_cat: a sample grid shows one code value per row and
// `gan sample --class k` fixes the categorical code (not a data class: which
// value became which garment is the training's choice).
#include <cmath>
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/eval/classifier.h"
#include "gan/models/eval/probe.h"
#include "gan/models/registry.h"
#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

// D's body (the DCGAN D, one real/fake output) and the Q head on its
// penultimate features [N, w, k, k] -> [N, q_out].
class InfoganDiscriminator : public nn::Module {
 public:
  InfoganDiscriminator(const DcganOptions& o, int64_t q_out, Generator& gen)
      : Module("InfoganDiscriminator"), body(std::make_shared<DcganDiscriminator>(o, gen)) {
    register_module("body", body);
    w = dcgan_widths(o.image_size, o.features_d).front();
    k = dcgan_base_kernel(o.image_size);
    nn::Conv2dOptions fc;  // a k x k conv on k x k features: the paper's fully connected layer
    fc.bias = false;
    q = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        std::make_shared<nn::Conv2d>(w, 128, k, gen, fc), std::make_shared<nn::BatchNorm2d>(128),
        std::make_shared<nn::LeakyReLU>(0.2), std::make_shared<nn::Conv2d>(128, q_out, 1, gen)});
    register_module("q", q);
    nn::init::dcgan_init(*q, gen);
  }
  // features [N, w, k, k] (a judgement's, or flattened [N, w * k * k]) -> Q's outputs [N, q_out].
  Tensor q_head(const Tensor& features) {
    const int64_t n = features.size(0);
    const Tensor out = (*q)(features.reshape({n, w, k, k}));
    return out.reshape({n, out.size(1)});
  }

  std::shared_ptr<DcganDiscriminator> body;
  std::shared_ptr<nn::Sequential> q;
  int64_t w = 0, k = 0;
};

class Infogan : public GanSystem {
 public:
  explicit Infogan(SystemSetup s)
      : GanSystem(std::move(s)),
        z_dim_(options().integer("z_dim")),
        n_cat_(options().integer("n_cat")),
        n_cont_(options().integer("n_cont")),
        lambda_(options().number("lambda")),
        learn_std_(options().boolean("learn_std")) {
    GAN_CHECK(n_cat_ >= 2, "config key 'n_cat' in table [infogan]: must be >= 2 (the paper: 10), got ", n_cat_);
    GAN_CHECK(n_cont_ >= 0, "config key 'n_cont' in table [infogan]: must be >= 0 (the paper: 2), got ", n_cont_);
    GAN_CHECK(lambda_ >= 0, "config key 'lambda' in table [infogan]: must be >= 0 (the paper: 1), got ", lambda_);
  }

  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup(), n_cat_ + n_cont_), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<InfoganDiscriminator>(nets::dcgan_net(setup()), n_cat_ + (learn_std_ ? 2 : 1) * n_cont_,
                                                  init);
  }
  // z ~ N(0, I) [n, z_dim], then c = [one-hot(cat) | U(-1, 1)^n_cont] [n, n_cat + n_cont].
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override {
    Tensor z = nets::normal_noise(n, z_dim_, gen, device);
    const Tensor cat = nets::one_hot(sample_classes(n, n_cat_, gen, device, klass), n_cat_);
    Tensor c = cat;
    if (n_cont_ > 0) c = ops::cat({cat, Tensor::rand({n, n_cont_}, gen, -1.0, 1.0, Options{}.with(device))}, 1);
    return {z, {}, c};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(ops::cat({l.z, l.c}, 1)); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    auto& body = *nets::as<InfoganDiscriminator>(D, "infogan").body;
    const Tensor h = body.features(x);
    return {body.head(h), {}, h};
  }

  int64_t latent_classes() const override { return n_cat_; }
  void set_latent_class(Latent& l, const Tensor& klass) override {
    const Tensor cat = nets::one_hot(klass, n_cat_);
    l.c = n_cont_ > 0 ? ops::cat({cat, ops::slice(l.c, 1, n_cat_, n_cat_ + n_cont_)}, 1) : cat;
  }

  std::vector<Tensor> g_parameters(nn::Module& G, nn::Module& D) override {
    std::vector<Tensor> p = G.parameters();
    for (const Tensor& t : nets::as<InfoganDiscriminator>(D, "infogan").q->parameters()) p.push_back(t);
    return p;
  }
  std::vector<Tensor> d_parameters(nn::Module&, nn::Module& D) override {
    return nets::as<InfoganDiscriminator>(D, "infogan").body->parameters();
  }

  LossOut d_loss(const DLossInput& in) override {
    const Info info = information(in.D, in.fake.features, in.latent.c);
    return {models::d_loss(setup().loss, in.real.adv, in.fake.adv) + lambda_ * info.loss, {}};
  }
  LossOut g_loss(const GLossInput& in) override {
    const Info info = information(in.D, in.fake.features, in.latent.c);
    LossOut out{models::g_loss(setup().loss, in.fake.adv) + lambda_ * info.loss,
                {{"mi_cat", info.mi_cat}, {"q_cat_acc", info.cat_acc}}};
    if (n_cont_ > 0) out.scalars.emplace_back("mi_cont", info.mi_cont);
    return out;
  }

  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module&) override {
    const int64_t m = options().integer("eval_per_code");
    if (m <= 0 || setup().channels != 1 || setup().image_size != eval::kClassifierImageSize) return {};
    const Device dev = G.parameters().front().device();
    if (!classifier_.net) classifier_ = eval::load_classifier("", dev);
    NoGradGuard ng;
    Generator gen(static_cast<uint64_t>(options().integer("eval_seed")));
    std::vector<std::vector<int64_t>> counts(static_cast<size_t>(n_cat_), std::vector<int64_t>(10, 0));
    for (int64_t v = 0; v < n_cat_; ++v) {
      const Tensor images = generate(G, sample_latent(m, gen, dev, v));
      const Tensor logits = classifier_.net->forward(images).to(Device::cpu());
      const std::vector<double> l = logits.to_double_vector();
      const int64_t k = logits.size(1);
      if (static_cast<int64_t>(counts[0].size()) != k)
        for (auto& row : counts) row.assign(static_cast<size_t>(k), 0);
      for (int64_t i = 0; i < m; ++i) {
        int64_t best = 0;
        for (int64_t j = 1; j < k; ++j)
          if (l[static_cast<size_t>(i * k + j)] > l[static_cast<size_t>(i * k + best)]) best = j;
        ++counts[static_cast<size_t>(v)][static_cast<size_t>(best)];
      }
    }
    return {{"code_class_agreement", eval::matched_agreement(counts)}};
  }

  // L_I of Q on D's features of G(z, c), and the bound's estimates.
  struct Info {
    Tensor loss;  // [] CE + continuous NLL
    // [] each, detached, on the device: the bound's estimates and Q's accuracy
    // on the categorical code (read back with the step's other numbers).
    Tensor mi_cat, mi_cont, cat_acc;
  };
  Info information(nn::Module& D, const Tensor& features, const Tensor& c) {
    const Tensor q = nets::as<InfoganDiscriminator>(D, "infogan").q_head(features);  // [N, q_out]
    const Tensor logits = ops::slice(q, 1, 0, n_cat_);
    const Tensor code = ops::slice(c, 1, 0, n_cat_);
    const Tensor target = argmax_rows(code);
    const Tensor ce = ops::cross_entropy(logits, target);
    Info info;
    info.loss = ce;
    info.mi_cat = ops::rsub(std::log(static_cast<double>(n_cat_)), ce.detach());
    info.cat_acc = nets::class_accuracy(logits, target);
    if (n_cont_ > 0) {
      const Tensor nll = gaussian_nll(q, ops::slice(c, 1, n_cat_, n_cat_ + n_cont_));  // [] summed over codes
      info.loss = info.loss + nll;
      info.mi_cont = ops::rsub(static_cast<double>(n_cont_) * std::log(2.0), nll.detach());
    }
    return info;
  }

  // -log N(c; mu, sigma) summed over the n_cont codes, mean over the batch
  // (sigma = 1, or exp of Q's log-sigma outputs with learn_std).
  Tensor gaussian_nll(const Tensor& q, const Tensor& c) const {
    const Tensor mu = ops::slice(q, 1, n_cat_, n_cat_ + n_cont_);
    const double half_log_2pi = 0.5 * std::log(2.0 * M_PI);
    if (!learn_std_) return ops::mean(ops::sum(0.5 * ops::square(c - mu), {1})) + half_log_2pi * n_cont_;
    const Tensor log_sigma = ops::slice(q, 1, n_cat_ + n_cont_, n_cat_ + 2 * n_cont_);
    const Tensor e = (c - mu) * ops::exp(-log_sigma);
    return ops::mean(ops::sum(log_sigma + 0.5 * ops::square(e), {1})) + half_log_2pi * n_cont_;
  }

 private:
  // One-hot rows [N, K] -> indices [N] i64, on the rows' device (no read
  // back): the row's dot product with 0..K-1, exact for 0 / 1 entries.
  static Tensor argmax_rows(const Tensor& one_hot) {
    NoGradGuard ng;
    const Tensor ramp = Tensor::arange(one_hot.size(1), Options{one_hot.dtype(), one_hot.device()});
    return ops::sum(one_hot.detach() * ramp, {1}).to(DType::i64);
  }

  int64_t z_dim_, n_cat_, n_cont_;
  double lambda_;
  bool learn_std_;
  eval::LoadedClassifier classifier_;  // loaded at the first evaluation
};

}  // namespace

SystemInfo gan_system_infogan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"n_cat", OptionType::integer, "10", "values of the categorical code (the paper's MNIST: 10)"});
  o.push_back({"n_cont", OptionType::integer, "2", "continuous codes ~ U(-1, 1) (the paper's MNIST: 2)"});
  o.push_back({"lambda", OptionType::number, "1", "weight of the information term L_I in both losses (the paper: 1)"});
  o.push_back({"learn_std", OptionType::boolean, "false",
               "Q also outputs the continuous codes' log-sigma (false: sigma = 1, the paper's MNIST code)"});
  o.push_back({"eval_per_code", OptionType::integer, "200",
               "samples per code value for code_class_agreement every eval interval (0: off; 1-channel 28x28 data)"});
  o.push_back({"eval_seed", OptionType::integer, "3", "stream of those samples' latents"});
  return {"infogan", "z plus a categorical and continuous codes; a Q head on D's body recovers them (mutual information)",
          "Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, InfoGAN", o,
          [](SystemSetup s) { return std::make_unique<Infogan>(std::move(s)); }};
}

}  // namespace gan::models
