// The feature classifier (classifier.h): layers, the fixed training recipe, and
// loading with the hash check.
#include "gan/models/eval/classifier.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/models/eval/sha256.h"
#include "gan/models/trainer.h"  // resolve_device
#include "gan/ops.h"
#include "gan/optim/adam.h"

#ifndef GAN_WEIGHTS_DIR
#define GAN_WEIGHTS_DIR "models/weights"
#endif

namespace gan::models::eval {

// The source tree's weights folder, fixed at build time; GAN_WEIGHTS_DIR in the
// environment overrides it (an installed tree: <prefix>/share/gan/weights).
std::string default_classifier_path() {
  const char* env = std::getenv("GAN_WEIGHTS_DIR");
  return std::string(env && *env ? env : GAN_WEIGHTS_DIR) + "/fmnist_classifier.safetensors";
}

namespace {

nn::Conv2dOptions conv(int64_t stride) {
  nn::Conv2dOptions o;
  o.stride = stride;
  o.padding = 1;
  o.bias = false;  // followed by batch norm
  return o;
}

// AvgPool(3, s2, p1) as a module (the engine has the op, not the layer).
class AvgPool3s2 : public nn::Module {
 public:
  AvgPool3s2() : Module("AvgPool2d") {}
  Tensor forward(const Tensor& x) override { return ops::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}); }
};

}  // namespace

FeatureClassifier::FeatureClassifier(const ClassifierOptions& o, Generator& gen)
    : Module("FeatureClassifier"), options(o) {
  GAN_CHECK(o.channels >= 1 && o.num_classes >= 2 && o.feature_dim >= 1, "FeatureClassifier: bad options (channels ",
            o.channels, ", classes ", o.num_classes, ", features ", o.feature_dim, ")");
  body = std::make_shared<nn::Sequential>();
  const int64_t widths[3] = {32, 64, 64}, strides[3] = {1, 2, 2};
  int64_t in = o.channels;
  for (int i = 0; i < 3; ++i) {
    body->push_back(std::make_shared<nn::Conv2d>(in, widths[i], 3, gen, conv(strides[i])));
    body->push_back(std::make_shared<nn::BatchNorm2d>(widths[i]));
    body->push_back(std::make_shared<nn::ReLU>());
    in = widths[i];
  }
  body->push_back(std::make_shared<AvgPool3s2>());           // [N, 64, 4, 4]
  body->push_back(std::make_shared<nn::Flatten>());          // [N, 1024]
  body->push_back(std::make_shared<nn::Linear>(64 * 16, o.feature_dim, gen));
  body->push_back(std::make_shared<nn::ReLU>());             // [N, feature_dim]
  head = std::make_shared<nn::Linear>(o.feature_dim, o.num_classes, gen);
  register_module("body", body);
  register_module("head", head);
}

FeatureClassifier::Outputs FeatureClassifier::features_and_logits(const Tensor& x) {
  GAN_CHECK(x.dim() == 4 && x.size(1) == options.channels && x.size(2) == kClassifierImageSize &&
                x.size(3) == kClassifierImageSize,
            "FeatureClassifier: expected images [N, ", options.channels, ", 28, 28], got ", shape_str(x.shape()));
  Outputs out;
  out.features = body->forward(x);
  out.logits = head->forward(out.features);
  return out;
}

Tensor FeatureClassifier::forward(const Tensor& x) { return features_and_logits(x).logits; }

double classifier_accuracy(FeatureClassifier& net, const Dataset& data, int64_t batch) {
  GAN_CHECK(data.labels.defined(), "classifier_accuracy: the dataset '", data.source, "' has no labels");
  NoGradGuard ng;
  const bool was_training = net.is_training();
  net.eval();
  const Device dev = net.head->weight.device();
  int64_t correct = 0;
  const int64_t n = data.size();
  const int64_t* labels = data.labels.data<int64_t>();
  for (int64_t i = 0; i < n; i += batch) {
    const int64_t b = std::min(batch, n - i);
    const Tensor logits = net(data.images.narrow0(i, b).to(dev)).to(Device::cpu());
    const float* l = logits.data<float>();
    const int64_t k = logits.size(1);
    for (int64_t r = 0; r < b; ++r) {
      int64_t best = 0;
      for (int64_t c = 1; c < k; ++c)
        if (l[r * k + c] > l[r * k + best]) best = c;
      correct += best == labels[i + r];
    }
  }
  net.train(was_training);
  return static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(n, 1));
}

namespace {

// Flips each image of the batch left-right with probability 1/2 (one draw per image).
Tensor random_hflip(const Tensor& images, Generator& gen) {
  Tensor out = images.clone();
  const int64_t n = out.size(0), c = out.size(1), h = out.size(2), w = out.size(3);
  float* p = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    if (gen.uniform() >= 0.5) continue;
    for (int64_t r = 0; r < c * h; ++r) std::reverse(p + (i * c * h + r) * w, p + (i * c * h + r + 1) * w);
  }
  return out;
}

}  // namespace

ClassifierTrainResult train_classifier(const ClassifierRecipe& r, const std::string& out_path,
                                       const std::function<void(const ClassifierProgress&)>& progress) {
  GAN_CHECK(r.epochs >= 1 && r.batch >= 1 && r.lr > 0, "classifier: epochs, batch and lr must be positive");
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto train = std::make_shared<const Dataset>(load_idx_dataset(r.train_images, r.train_labels, r.limit));
  const Dataset test = load_idx_dataset(r.test_images, r.test_labels);
  GAN_CHECK(train->height() == kClassifierImageSize && train->width() == kClassifierImageSize,
            "classifier: training images must be 28x28, '", r.train_images, "' has ", train->height(), "x",
            train->width());
  int64_t classes = 0;
  for (int64_t v : train->labels.to_vector<int64_t>()) classes = std::max(classes, v + 1);
  const Device dev = resolve_device(r.device);

  Generator init_gen(r.seed), flip_gen(r.seed + 1);
  ClassifierOptions opt;
  opt.channels = train->channels();
  opt.num_classes = std::max<int64_t>(classes, 2);
  auto net = std::make_shared<FeatureClassifier>(opt, init_gen);
  net->to(dev);
  optim::AdamOptions ao;
  ao.lr = r.lr;
  optim::Adam adam(net->parameters(), ao);
  Loader loader(train, std::min(r.batch, train->size()), r.seed + 2);
  const int64_t per_epoch = loader.batches_per_epoch();

  ClassifierProgress pr;
  pr.steps_per_epoch = per_epoch;
  double run_loss = 0, run_acc = 0;
  for (int64_t e = 0; e < r.epochs; ++e) {
    // The last epoch at a tenth of the rate: a cheap anneal worth ~0.5 % accuracy.
    adam.set_lr(e + 1 == r.epochs && r.epochs > 1 ? r.lr * 0.1 : r.lr);
    for (int64_t s = 0; s < per_epoch; ++s) {
      const Batch b = loader.next();
      const Tensor x = (r.flip ? random_hflip(b.images, flip_gen) : b.images).to(dev);
      const Tensor y = b.labels.to(dev);
      const Tensor logits = (*net)(x);
      const Tensor loss = ops::cross_entropy(logits, y);
      adam.zero_grad();
      loss.backward();
      adam.step();
      const double l = loss.item();
      GAN_CHECK(std::isfinite(l), "classifier: the loss is ", l, " at epoch ", e + 1, " step ", s + 1);
      // Running means over ~50 batches for the progress line.
      const Tensor pred = logits.detach().to(Device::cpu());
      const float* p = pred.data<float>();
      const int64_t* lab = b.labels.data<int64_t>();
      int64_t ok = 0;
      for (int64_t i = 0; i < pred.size(0); ++i) {
        int64_t best = 0;
        for (int64_t c = 1; c < pred.size(1); ++c)
          if (p[i * pred.size(1) + c] > p[i * pred.size(1) + best]) best = c;
        ok += best == lab[i];
      }
      const double a = static_cast<double>(ok) / static_cast<double>(pred.size(0));
      const double m = (e == 0 && s < 50) ? 1.0 / static_cast<double>(s + 1) : 0.02;
      run_loss += m * (l - run_loss);
      run_acc += m * (a - run_acc);
      if (progress) {
        pr.epoch = e + 1, pr.step = s + 1, pr.loss = run_loss, pr.train_accuracy = run_acc, pr.seconds = seconds();
        pr.epoch_end = false;
        progress(pr);
      }
    }
    if (progress) {
      pr.epoch_end = true;
      pr.test_accuracy = classifier_accuracy(*net, test);
      pr.seconds = seconds();
      progress(pr);
    }
  }
  net->eval();
  ClassifierTrainResult res;
  res.test_accuracy = classifier_accuracy(*net, test);
  net->to(Device::cpu());
  NamedTensors state;
  append_module_state(state, "", *net);
  char acc[32];
  std::snprintf(acc, sizeof acc, "%.4f", res.test_accuracy);
  save_tensors(out_path, state,
               {{"format", "gan.feature_classifier.v1"},
                {"channels", std::to_string(opt.channels)},
                {"num_classes", std::to_string(opt.num_classes)},
                {"feature_dim", std::to_string(opt.feature_dim)},
                {"image_size", std::to_string(kClassifierImageSize)},
                {"test_accuracy", acc},
                {"recipe", "adam lr " + std::to_string(r.lr) + " (x0.1 last epoch), batch " + std::to_string(r.batch) +
                               ", epochs " + std::to_string(r.epochs) + ", seed " + std::to_string(r.seed) +
                               (r.flip ? ", hflip" : "") + ", data " + r.train_images}});
  res.sha256 = sha256_file(out_path);
  res.seconds = seconds();
  return res;
}

LoadedClassifier load_classifier(const std::string& path_in, Device device, const std::string& expected_sha256) {
  LoadedClassifier out;
  out.path = path_in.empty() ? default_classifier_path() : path_in;
  GAN_CHECK(std::filesystem::exists(out.path), "classifier: weights file '", out.path,
            "' not found (retrain it with `gan classifier train`, or pass --classifier FILE)");
  out.sha256 = sha256_file(out.path);
  const std::string expected = !expected_sha256.empty() ? expected_sha256
                               : path_in.empty()          ? std::string(kFmnistClassifierSha256)
                                                          : std::string();
  GAN_CHECK(expected.empty() || out.sha256 == expected, "classifier: '", out.path, "' has SHA-256 ", out.sha256,
            " but ", expected, " is expected (kFmnistClassifierSha256 pins the committed weights): the file was ",
            "changed, so metrics measured with it would not be comparable");
  const TensorFile f = load_tensors(out.path);
  auto meta = [&](const char* key) -> int64_t {
    const auto it = f.metadata.find(key);
    GAN_CHECK(it != f.metadata.end(), "classifier: '", out.path, "' has no metadata key '", key,
              "' (not written by gan classifier train)");
    return std::stoll(it->second);
  };
  ClassifierOptions o;
  o.channels = meta("channels");
  o.num_classes = meta("num_classes");
  o.feature_dim = meta("feature_dim");
  Generator gen(0);
  out.net = std::make_shared<FeatureClassifier>(o, gen);
  load_module_state(f.tensors, "", *out.net);
  out.net->eval();
  out.net->to(device);
  return out;
}

}  // namespace gan::models::eval
