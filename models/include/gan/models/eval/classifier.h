// The feature extractor of every metric: a small CNN classifier trained by this
// engine on labelled images (Fashion-MNIST by default), with a fixed recipe and
// seed so anyone can retrain it (`gan classifier train`). Its penultimate layer
// (128 ReLU features) is the embedding in which the Fréchet classifier
// distance, KID, precision/recall, density/coverage and near-duplicates are
// measured; its softmax gives the classifier score and the class histogram.
// No ImageNet network is downloaded: the metrics work offline.
//
// Network (x [N, C, 28, 28] in [-1, 1]):
//   Conv(C,32,3,s1,p1) BN ReLU    -> [N, 32, 28, 28]
//   Conv(32,64,3,s2,p1) BN ReLU   -> [N, 64, 14, 14]
//   Conv(64,64,3,s2,p1) BN ReLU   -> [N, 64, 7, 7]
//   AvgPool(3,s2,p1)              -> [N, 64, 4, 4]   (pooling keeps the FC small:
//   Flatten, Linear(1024,128) ReLU -> [N, 128] = features   the file is ~0.75 MB)
//   Linear(128, classes)          -> [N, classes] = logits
// About 5.8 M multiply-adds per image forward.
//
// The committed weights (models/weights/fmnist_classifier.safetensors) are
// pinned by kFmnistClassifierSha256: load_classifier() on the default path
// refuses a file with another hash, so a metric record's hash always names the
// network that produced it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gan/models/data.h"
#include "gan/nn/layers.h"

namespace gan::models::eval {

inline constexpr int64_t kClassifierImageSize = 28;
// SHA-256 of models/weights/fmnist_classifier.safetensors (written by the recipe below).
inline constexpr const char* kFmnistClassifierSha256 =
    "96c887b3f7fe824cc10642e3c1770ad3e439cbb964fe4493e01c09108494849c";
inline constexpr const char* kFashionMnistTestImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
inline constexpr const char* kFashionMnistTestLabels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

// The committed weights file: its path in the source tree, fixed at build time,
// or $GAN_WEIGHTS_DIR/fmnist_classifier.safetensors when that variable is set
// (installed trees ship it in <prefix>/share/gan/weights).
std::string default_classifier_path();

struct ClassifierOptions {
  int64_t channels = 1;
  int64_t num_classes = 10;
  int64_t feature_dim = 128;
};

class FeatureClassifier : public nn::Module {
 public:
  FeatureClassifier(const ClassifierOptions& o, Generator& gen);
  // x [N, C, 28, 28] -> logits [N, classes].
  Tensor forward(const Tensor& x) override;
  // One pass, both outputs: features [N, feature_dim] and logits [N, classes].
  struct Outputs {
    Tensor features, logits;
  };
  Outputs features_and_logits(const Tensor& x);

  ClassifierOptions options;
  std::shared_ptr<nn::Sequential> body;  // x -> features
  std::shared_ptr<nn::Linear> head;      // features -> logits
};

// The fixed recipe. Defaults are the committed network's: Adam(1e-3, 0.9,
// 0.999), batch 128, 5 epochs, lr x 0.1 for the last epoch, random horizontal
// flips (garments are left-right symmetric in meaning), seed 0, on the CPU.
struct ClassifierRecipe {
  std::string train_images = kFashionMnistTrainImages;
  std::string train_labels = kFashionMnistTrainLabels;
  std::string test_images = kFashionMnistTestImages;
  std::string test_labels = kFashionMnistTestLabels;
  int64_t epochs = 5;
  int64_t batch = 128;
  double lr = 1e-3;
  uint64_t seed = 0;
  bool flip = true;
  int64_t limit = 0;  // > 0: first N training images only (tests)
  std::string device = "cpu";
};

struct ClassifierProgress {
  int64_t epoch = 0, step = 0, steps_per_epoch = 0;
  double loss = 0, train_accuracy = 0;  // running over the last batches
  double seconds = 0;
  bool epoch_end = false;
  double test_accuracy = -1;  // at the end of each epoch
};

struct ClassifierTrainResult {
  double test_accuracy = 0;  // on the test split, fraction
  double seconds = 0;
  std::string sha256;        // of the file written
};

// Trains with the recipe, writes `out_path` (safetensors: the state dict plus
// metadata: channels, num_classes, feature_dim, image_size, test_accuracy,
// recipe) and returns the test accuracy and the file's hash.
ClassifierTrainResult train_classifier(const ClassifierRecipe& r, const std::string& out_path,
                                       const std::function<void(const ClassifierProgress&)>& progress = {});

// Top-1 accuracy on a labelled dataset (eval mode, batches of `batch`).
double classifier_accuracy(FeatureClassifier& net, const Dataset& data, int64_t batch = 500);

struct LoadedClassifier {
  std::shared_ptr<FeatureClassifier> net;  // eval mode, on the requested device
  std::string path;
  std::string sha256;  // of the file
};

// Loads a classifier written by train_classifier. path "" = the committed
// default, whose hash must equal kFmnistClassifierSha256. A non-empty
// `expected_sha256` is checked the same way for any path (gan::Error naming
// the file and both hashes); otherwise another path is loaded as is and its
// hash reported.
LoadedClassifier load_classifier(const std::string& path = "", Device device = Device::cpu(),
                                 const std::string& expected_sha256 = "");

}  // namespace gan::models::eval
