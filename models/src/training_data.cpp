// A run's data with its labels (trainer.h: load_training_data) and the
// semi-supervised label subset (data.h: keep_labels_per_class).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gan/models/data.h"
#include "gan/models/toy2d.h"
#include "gan/models/trainer.h"

namespace gan::models {

namespace {

// "auto" beside IDX images: the same name with images-idx3 -> labels-idx1
// (Fashion-MNIST's and MNIST's naming), if that file exists; else none.
std::string auto_labels(const std::string& images) {
  const std::string from = "images-idx3", to = "labels-idx1";
  const auto at = images.rfind(from);
  if (at == std::string::npos) return "";
  std::string p = images;
  p.replace(at, from.size(), to);
  return std::filesystem::exists(p) ? p : "";
}

}  // namespace

Dataset load_training_data(const TrainerConfig& cfg) {
  // "mixture:ring8", "mixture:grid25": points of a 2-D mixture as [N, 2, 1, 1]
  // (toy2d.h), dataset_limit points (100,000 by default) drawn from seed + 6.
  if (cfg.dataset.rfind("mixture:", 0) == 0) {
    const TrainingMixture mix = training_mixture(cfg.dataset);
    GAN_CHECK(cfg.image_size == 1 && cfg.channels == 2, "config key 'dataset': ", cfg.dataset,
              " is 2-D points: set image_size = 1 and channels = 2");
    Generator gen(cfg.seed + 6);
    Dataset d;
    d.source = cfg.dataset;
    d.images = mixture_dataset_points(mix, cfg.dataset_limit > 0 ? cfg.dataset_limit : 100000, gen);
    return d;
  }
  const bool folder = std::filesystem::is_directory(cfg.dataset);
  std::string labels;
  if (!folder && cfg.labels == "auto") labels = auto_labels(cfg.dataset);
  else if (!folder && cfg.labels != "none") labels = cfg.labels;
  GAN_CHECK(!folder || cfg.labels == "auto" || cfg.labels == "none", "config key 'labels': dataset ", cfg.dataset,
            " is an image folder, whose labels are its class subfolders; use 'auto' or 'none', not '", cfg.labels,
            "'");
  Dataset d = load_dataset(cfg.dataset, cfg.image_size, cfg.channels, cfg.dataset_limit, labels);
  if (cfg.labels == "none") {
    d.labels = Tensor();
    d.num_classes = 0;
    d.class_names.clear();
  }
  if (cfg.labels_per_class > 0) {
    GAN_CHECK(d.labels.defined(), "config key 'labels_per_class': dataset ", cfg.dataset, " has no labels");
    d = keep_labels_per_class(d, cfg.labels_per_class, cfg.seed + 5);
  }
  return d;
}

Dataset keep_labels_per_class(const Dataset& data, int64_t per_class, uint64_t seed) {
  GAN_CHECK(data.labels.defined() && data.num_classes > 0, "keep_labels_per_class: dataset ", data.source,
            " has no labels");
  GAN_CHECK(per_class >= 1, "keep_labels_per_class: per_class must be >= 1, got ", per_class);
  const int64_t n = data.size(), k = data.num_classes;
  const int64_t* lab = data.labels.data<int64_t>();
  // A seeded permutation (Fisher-Yates on Philox uniforms): the first
  // `per_class` images of each class in that order keep their label.
  Generator gen(seed);
  const Tensor u = Tensor::rand({n}, gen, 0.0, 1.0, {DType::f64});
  const double* r = u.data<double>();
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(r[i] * static_cast<double>(i + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(std::min(j, i))]);
  }
  std::vector<int64_t> kept(static_cast<size_t>(k), 0), out(static_cast<size_t>(n), -1), total(static_cast<size_t>(k), 0);
  for (int64_t i = 0; i < n; ++i)
    if (lab[i] >= 0) ++total[static_cast<size_t>(lab[i])];
  for (int64_t idx : perm) {
    const int64_t c = lab[idx];
    if (c < 0 || kept[static_cast<size_t>(c)] >= per_class) continue;
    ++kept[static_cast<size_t>(c)];
    out[static_cast<size_t>(idx)] = c;
  }
  for (int64_t c = 0; c < k; ++c)
    GAN_CHECK(kept[static_cast<size_t>(c)] == per_class, "labels_per_class = ", per_class, ": class ", c, " of ",
              data.source, " has only ", total[static_cast<size_t>(c)], " labelled images");
  Dataset d = data;
  d.labels = Tensor::from_data({n}, out);
  return d;
}

}  // namespace gan::models
