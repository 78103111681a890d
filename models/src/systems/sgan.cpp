// Semi-supervised GAN (Odena 2016; Salimans et al. 2016, "Improved techniques
// for training GANs" §5): D is a K-class classifier (the DCGAN D with K
// outputs l_1..l_K), and its real/fake logit is logsumexp_k l_k — D(x) =
// Z(x) / (Z(x) + 1) with Z = sum_k exp(l_k), so the extra "fake" class is the
// fixed logit 0. Each D step adds, to the run's unsupervised loss on that
// logit, the cross-entropy of a batch drawn from the labelled subset
// (labels_per_class images per class: config key labels_per_class):
//   L_D = unsup_weight * adv_D(lse(real), lse(fake)) + CE(l(x_lab), y_lab)
//   L_G = adv_G(lse(fake))    or, with feature_matching,
//         || mean_x f(x) - mean_z f(G(z)) ||^2   (f: D's penultimate features)
// With unsup_weight = 0 and no G step's effect it is the supervised baseline:
// the same network trained on the labelled images alone.
//
// The labelled batch of step t is drawn from a counter-based stream at
// (seed, t * labelled_batch): it depends on the step only, so resume is exact.
// Every eval interval D's accuracy on the test split is logged
// (d_test_accuracy; Fashion-MNIST t10k by default).
#include <algorithm>
#include <cmath>
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/data.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Sgan : public GanSystem {
 public:
  explicit Sgan(SystemSetup s)
      : GanSystem(std::move(s)),
        z_dim_(options().integer("z_dim")),
        k_(setup().num_classes),
        unsup_(options().number("unsup_weight")),
        feature_matching_(options().boolean("feature_matching")),
        lab_batch_(options().integer("labelled_batch")),
        lab_seed_(static_cast<uint64_t>(options().integer("labelled_seed"))) {
    GAN_CHECK(lab_batch_ >= 1, "config key 'labelled_batch' in table [sgan]: must be >= 1, got ", lab_batch_);
    GAN_CHECK(unsup_ >= 0, "config key 'unsup_weight' in table [sgan]: must be >= 0, got ", unsup_);
  }

  bool uses_labels() const override { return true; }
  bool reads_batch_labels() const override { return false; }  // its labelled_batch() brings its own
  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup()), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<DcganDiscriminator>(nets::dcgan_net(setup(), 0, 0, k_), init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, z_dim_, gen, device), {}, {}};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(l.z); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    auto& d = nets::as<DcganDiscriminator>(D, "sgan");
    const Tensor h = d.features(x);      // [N, w, k, k]
    const Tensor logits = d.head(h);     // [N, K]
    return {logsumexp_rows(logits), logits, h};
  }

  void attach_data(const std::shared_ptr<const Dataset>& data) override {
    GAN_CHECK(k_ >= 2, "system 'sgan' needs >= 2 classes, dataset ", data->source, " has ", k_);
    data_ = data;
    const int64_t* l = data->labels.data<int64_t>();
    labelled_.clear();
    for (int64_t i = 0; i < data->size(); ++i)
      if (l[i] >= 0) labelled_.push_back(i);
    GAN_CHECK(!labelled_.empty(), "system 'sgan': dataset ", data->source, " has no labelled image");
  }

  LossOut d_loss(const DLossInput& in) override {
    const auto [xl, yl] = labelled_batch(in.step, in.real_images.device());
    const Judgement jl = judge(in.D, xl, yl);
    const Tensor ce = ops::cross_entropy(jl.class_logits, yl);
    Tensor loss = ce;
    if (unsup_ > 0) loss = loss + unsup_ * models::d_loss(setup().loss, in.real.adv, in.fake.adv);
    return {loss, {{"class_loss", ce}, {"class_acc_labelled", nets::class_accuracy(jl.class_logits, yl)}}};
  }

  LossOut g_loss(const GLossInput& in) override {
    if (unsup_ == 0) return {ops::sum(in.fake.adv) * 0.0, {}};  // the supervised baseline: G plays no part
    if (!feature_matching_) return {models::g_loss(setup().loss, in.fake.adv), {}};
    const Tensor diff = ops::mean(in.real.features, {0}) - ops::mean(in.fake.features, {0});
    const Tensor fm = ops::sum(ops::square(diff));
    return {fm, {{"feature_matching", fm}}};
  }

  // D's accuracy on the test split, in eval mode (batch-norm running statistics).
  std::vector<std::pair<std::string, double>> evaluate(nn::Module&, nn::Module& D) override {
    load_test();
    const bool was = D.is_training();
    D.eval();
    NoGradGuard ng;
    const Device dev = D.parameters().front().device();
    Tensor hits = Tensor::scalar(0.0, Options{DType::f64, dev});  // summed on the device, read once
    const int64_t n = test_.size(), chunk = 500;
    for (int64_t i = 0; i < n; i += chunk) {
      const int64_t m = std::min(chunk, n - i);
      const Tensor x = test_.images.narrow0(i, m).to(dev), y = test_.labels.narrow0(i, m);
      hits = hits + nets::class_accuracy(judge(D, x, {}).class_logits, y).to(DType::f64) * static_cast<double>(m);
    }
    D.train(was);
    return {{"d_test_accuracy", std::round(hits.item()) / static_cast<double>(n)}};
  }

 private:
  // Batch t of the labelled subset: min(labelled_batch, #labelled) distinct
  // images from a partial Fisher-Yates over a stream at (seed, t * batch).
  std::pair<Tensor, Tensor> labelled_batch(int64_t step, Device device) const {
    const int64_t n = static_cast<int64_t>(labelled_.size()), b = std::min(lab_batch_, n);
    Generator gen;
    gen.set_state(lab_seed_, static_cast<uint64_t>(step) * static_cast<uint64_t>(n));
    const Tensor u = Tensor::rand({n}, gen, 0.0, 1.0, {DType::f64});
    const double* r = u.data<double>();
    std::vector<int64_t> pick = labelled_;
    for (int64_t i = 0; i < b; ++i) {
      const int64_t j = i + std::min(n - 1 - i, static_cast<int64_t>(r[i] * static_cast<double>(n - i)));
      std::swap(pick[static_cast<size_t>(i)], pick[static_cast<size_t>(j)]);
    }
    pick.resize(static_cast<size_t>(b));
    const Tensor idx = Tensor::from_data({b}, pick);
    const Tensor x = ops::index_select0(data_->images, idx), y = ops::index_select0(data_->labels, idx);
    return {x.to(device), y.to(device)};
  }

  void load_test() {
    if (test_.size() > 0) return;
    const std::string images = options().string("test_images"), labels = options().string("test_labels");
    test_ = load_dataset(images, setup().image_size, setup().channels, 0, labels);
    GAN_CHECK(test_.labels.defined(), "[sgan] test_images ", images, ": no labels");
  }

  int64_t z_dim_, k_;
  double unsup_;
  bool feature_matching_;
  int64_t lab_batch_;
  uint64_t lab_seed_;
  std::shared_ptr<const Dataset> data_;
  std::vector<int64_t> labelled_;
  Dataset test_;
};

}  // namespace

SystemInfo gan_system_sgan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"unsup_weight", OptionType::number, "1.0",
               "weight of the unsupervised GAN loss (0: the supervised-only baseline on the same network)"});
  o.push_back({"feature_matching", OptionType::boolean, "false",
               "G matches the mean of D's penultimate features instead of the adversarial loss (Salimans et al.)"});
  o.push_back({"labelled_batch", OptionType::integer, "64", "labelled images per D step (at most all of them)"});
  o.push_back({"labelled_seed", OptionType::integer, "7", "stream of the labelled batches"});
  o.push_back({"test_images", OptionType::string, kFashionMnistTestImages, "test split for d_test_accuracy"});
  o.push_back({"test_labels", OptionType::string, kFashionMnistTestLabels, "its labels"});
  return {"sgan", "D is a K-class classifier whose logsumexp is the real/fake logit; labels on a subset",
          "Odena 2016, Semi-supervised learning with GANs; Salimans et al. 2016, Improved techniques for training GANs",
          o, [](SystemSetup s) { return std::make_unique<Sgan>(std::move(s)); }};
}

}  // namespace gan::models
