// evaluate(): features -> every metric -> one report (evaluate.h).
#include "gan/models/eval/evaluate.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models::eval {

FeatureSet extract_features(FeatureClassifier& net, const Tensor& images, int64_t batch) {
  GAN_CHECK(images.dim() == 4 && images.size(1) == net.options.channels,
            "extract_features: expected images [N, ", net.options.channels, ", H, W], got ", shape_str(images.shape()));
  GAN_CHECK(batch >= 1, "extract_features: batch must be >= 1");
  NoGradGuard ng;
  net.eval();
  const Device dev = net.head->weight.device();
  std::vector<Tensor> feats, probs;
  for (int64_t i = 0; i < images.size(0); i += batch) {
    Tensor x = images.narrow0(i, std::min(batch, images.size(0) - i)).to(dev);
    if (x.size(2) != kClassifierImageSize || x.size(3) != kClassifierImageSize)
      x = ops::upsample_bilinear2d(x, kClassifierImageSize, kClassifierImageSize);
    const auto out = net.features_and_logits(x);
    feats.push_back(out.features);
    probs.push_back(ops::softmax(out.logits, 1).to(Device::cpu()));
  }
  FeatureSet fs;
  fs.features = feats.size() == 1 ? feats[0] : ops::cat(feats, 0);
  fs.probs = probs.size() == 1 ? probs[0] : ops::cat(probs, 0);
  return fs;
}

Dataset load_real_split(const std::string& split) {
  if (split == "train") return load_idx_dataset(kFashionMnistTrainImages, kFashionMnistTrainLabels);
  if (split == "t10k") return load_idx_dataset(kFashionMnistTestImages, kFashionMnistTestLabels);
  return load_dataset(split, kClassifierImageSize, 1);
}

namespace {

std::vector<int64_t> draw_indices(int64_t size, int64_t n, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(size));
  std::iota(idx.begin(), idx.end(), 0);
  if (n <= 0 || n >= size) return idx;
  Generator gen(seed);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = i + static_cast<int64_t>(gen.randint(static_cast<uint64_t>(size - i)));
    std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(j)]);
  }
  idx.resize(static_cast<size_t>(n));
  return idx;
}

}  // namespace

Tensor draw_images(const Dataset& data, int64_t n, uint64_t seed) {
  GAN_CHECK(data.size() >= 1, "draw_images: the dataset '", data.source, "' is empty");
  const auto idx = draw_indices(data.size(), n, seed);
  return ops::index_select0(data.images, Tensor::from_data({static_cast<int64_t>(idx.size())}, idx));
}

RealReference reference_from_features(const Tensor& real_features, const std::string& split,
                                      const std::string& extractor_sha256, uint64_t seed, const ManifoldOptions& mo) {
  RealReference ref;
  ref.split = split;
  ref.extractor_sha256 = extractor_sha256;
  ref.seed = seed;
  ref.real.features = real_features;
  ref.stats = gaussian_stats(real_features);
  ref.manifold = real_manifold(real_features, mo);
  return ref;
}

RealReference build_real_reference(const LoadedClassifier& clf, const Dataset& data, const std::string& split,
                                   int64_t n, uint64_t seed, const ManifoldOptions& mo) {
  const FeatureSet fs = extract_features(*clf.net, draw_images(data, n, seed));
  RealReference ref = reference_from_features(fs.features, split, clf.sha256, seed, mo);
  ref.real = fs;
  ref.classifier = clf.net;
  return ref;
}

EvalReport evaluate_features(const FeatureSet& fake, const Tensor* requested_labels, const RealReference& ref,
                             const EvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  GAN_CHECK(ref.n() >= 2 && fake.size() >= 2, "evaluate: needs at least 2 real and 2 fake samples, got ", ref.n(),
            " and ", fake.size());
  GAN_CHECK(fake.features.size(1) == ref.real.features.size(1), "evaluate: fake features have ",
            fake.features.size(1), " dimensions, the reference ", ref.real.features.size(1));
  EvalReport r;
  r.n_real = ref.n();
  r.n_fake = fake.size();
  r.split = ref.split;
  r.extractor_sha256 = ref.extractor_sha256;
  r.seed = o.seed;
  r.reference_seed = ref.seed;
  const Tensor ff = fake.features.to(ref.real.features.device());
  // A generator that emits NaN must fail loudly, not score: gaussian_stats names the sample.
  const GaussianStats fake_stats = gaussian_stats(ff);
  if (fake_stats.n >= fake_stats.dim && ref.stats.n >= ref.stats.dim) {
    r.frechet_classifier_distance = frechet_distance(ref.stats, fake_stats);
  } else {
    try {
      frechet_distance(ref.stats, fake_stats);
    } catch (const Error& e) {
      r.frechet_note = e.what();  // the refusal, with both counts
    }
  }
  KernelDistanceOptions ko;
  ko.subsets = o.kid_subsets;
  ko.subset_size = o.kid_subset_size;
  ko.seed = o.seed;
  r.kernel_distance = kernel_distance(ref.real.features, ff, ko);
  r.manifold = manifold_metrics(ref.real.features, ref.manifold, ff);
  if (fake.probs.defined()) r.classes = class_stats(fake.probs, requested_labels, o.covered_fraction);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

EvalReport evaluate(const Tensor& fake_images, const Tensor* requested_labels, const RealReference& ref,
                    const EvalOptions& o) {
  GAN_CHECK(ref.classifier != nullptr, "evaluate: the reference was built from features only (no classifier)");
  const auto t0 = std::chrono::steady_clock::now();
  const FeatureSet fake = extract_features(*ref.classifier, fake_images, o.batch);
  EvalReport r = evaluate_features(fake, requested_labels, ref, o);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string format_table(const EvalReport& r, const std::string& title) {
  std::string s;
  s += (title.empty() ? std::string("metrics") : title) + ": n_real " + std::to_string(r.n_real) + " (" + r.split +
       ", seed " + std::to_string(r.reference_seed) + "), n_fake " + std::to_string(r.n_fake) + ", seed " +
       std::to_string(r.seed) + ", extractor sha256 " +
       r.extractor_sha256.substr(0, 16) + "...\n";
  auto row = [&](const std::string& name, const std::string& value) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %-34s %s\n", name.c_str(), value.c_str());
    s += buf;
  };
  row("frechet_classifier_distance", std::isnan(r.frechet_classifier_distance)
                                         ? "refused: " + r.frechet_note
                                         : fmt("%.4f", r.frechet_classifier_distance));
  row("kernel_distance (KID) x 1e3", fmt("%.4f", 1e3 * r.kernel_distance.mean) + " +- " +
                                         fmt("%.4f", 1e3 * r.kernel_distance.std) + "  (" +
                                         std::to_string(r.kernel_distance.subsets) + " subsets of " +
                                         std::to_string(r.kernel_distance.subset_size) + ")");
  row("precision (k=3)", fmt("%.4f", r.manifold.precision));
  row("recall (k=3)", fmt("%.4f", r.manifold.recall));
  row("density (k=5)", fmt("%.4f", r.manifold.density));
  row("coverage (k=5)", fmt("%.4f", r.manifold.coverage));
  row("near_duplicate_rate", fmt("%.4f", r.manifold.near_duplicate_rate) + "  (NN < " +
                                 fmt("%.3f", r.manifold.near_duplicate_threshold) + ", real 1st pct)");
  if (!r.classes.histogram.empty()) {
    row("classifier_score (max " + std::to_string(r.classes.histogram.size()) + ")",
        fmt("%.4f", r.classes.classifier_score));
    row("class_entropy_bits", fmt("%.4f", r.classes.entropy_bits) + "  (uniform " +
                                  fmt("%.4f", std::log2(static_cast<double>(r.classes.histogram.size()))) + ")");
    row("classes_covered", std::to_string(r.classes.classes_covered) + " / " +
                               std::to_string(r.classes.histogram.size()));
    std::string h;
    for (int64_t c : r.classes.histogram) h += (h.empty() ? "" : " ") + std::to_string(c);
    row("class_histogram", h);
    if (!std::isnan(r.classes.requested_class_accuracy)) {
      row("requested_class_accuracy", fmt("%.4f", r.classes.requested_class_accuracy));
      std::string per;
      for (double a : r.classes.requested_accuracy_per_class) per += (per.empty() ? "" : " ") + fmt("%.3f", a);
      row("requested_accuracy_per_class", per);
    }
  }
  row("eval_seconds", fmt("%.2f", r.seconds));
  return s;
}

std::string format_line(const EvalReport& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "FCD %.2f  KIDx1e3 %.1f  P %.3f R %.3f  D %.3f C %.3f  dup %.3f",
                r.frechet_classifier_distance, 1e3 * r.kernel_distance.mean, r.manifold.precision, r.manifold.recall,
                r.manifold.density, r.manifold.coverage, r.manifold.near_duplicate_rate);
  std::string s = buf;
  if (!r.classes.histogram.empty()) {
    std::snprintf(buf, sizeof buf, "  score %.2f  classes %lld/%zu", r.classes.classifier_score,
                  static_cast<long long>(r.classes.classes_covered), r.classes.histogram.size());
    s += buf;
  }
  return s;
}

std::string to_json(const EvalReport& r, int64_t step) {
  nlohmann::ordered_json j;
  if (step >= 0) j["step"] = step;
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
  j["n_real"] = r.n_real;
  j["n_fake"] = r.n_fake;
  j["split"] = r.split;
  j["extractor_sha256"] = r.extractor_sha256;
  j["seed"] = r.seed;
  j["reference_seed"] = r.reference_seed;
  j["frechet_classifier_distance"] = num(r.frechet_classifier_distance);
  j["kernel_distance_mean"] = num(r.kernel_distance.mean);
  j["kernel_distance_std"] = num(r.kernel_distance.std);
  j["kernel_distance_subsets"] = r.kernel_distance.subsets;
  j["kernel_distance_subset_size"] = r.kernel_distance.subset_size;
  j["precision"] = num(r.manifold.precision);
  j["recall"] = num(r.manifold.recall);
  j["density"] = num(r.manifold.density);
  j["coverage"] = num(r.manifold.coverage);
  j["near_duplicate_rate"] = num(r.manifold.near_duplicate_rate);
  if (!r.classes.histogram.empty()) {
    j["classifier_score"] = num(r.classes.classifier_score);
    j["class_entropy_bits"] = num(r.classes.entropy_bits);
    j["classes_covered"] = r.classes.classes_covered;
    j["class_histogram"] = r.classes.histogram;
    if (!std::isnan(r.classes.requested_class_accuracy))
      j["requested_class_accuracy"] = r.classes.requested_class_accuracy;
  }
  j["eval_seconds"] = r.seconds;
  return j.dump();
}

Tensor corrupt_images(const Tensor& images, Corruption kind, double level, Generator& gen) {
  GAN_CHECK(images.dim() == 4, "corrupt_images: expected [N, C, H, W], got ", shape_str(images.shape()));
  GAN_CHECK(level >= 0, "corrupt_images: level must be >= 0, got ", level);
  NoGradGuard ng;
  if (level == 0) return images.clone();
  if (kind == Corruption::noise) return ops::clamp(images + Tensor::randn(images.shape(), gen).to(images.device()) * level, -1, 1);
  // Separable Gaussian, one channel at a time (groups = C).
  const int64_t c = images.size(1), radius = static_cast<int64_t>(std::ceil(3 * level)), k = 2 * radius + 1;
  std::vector<float> g(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i)
    g[static_cast<size_t>(i)] = static_cast<float>(std::exp(-0.5 * double((i - radius) * (i - radius)) / (level * level)));
  std::vector<float> gc;
  for (int64_t ch = 0; ch < c; ++ch) gc.insert(gc.end(), g.begin(), g.end());
  const Tensor wh = Tensor::from_data({c, 1, 1, k}, gc).to(images.device());
  const Tensor wv = Tensor::from_data({c, 1, k, 1}, gc).to(images.device());
  ops::Conv2dOptions oh, ov;
  oh.padding = {0, radius}, oh.groups = c;
  ov.padding = {radius, 0}, ov.groups = c;
  auto blur = [&](const Tensor& x) { return ops::conv2d(ops::conv2d(x, wh, {}, oh), wv, {}, ov); };
  // Dividing by the blurred ones renormalizes the weights that fell on padding.
  const Tensor ones = Tensor::ones({1, c, images.size(2), images.size(3)}, Options{}.with(images.device()));
  return blur(images) / blur(ones);
}

}  // namespace gan::models::eval
