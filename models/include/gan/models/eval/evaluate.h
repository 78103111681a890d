// The offline metric suite: one call from generated images to a report.
//
//   auto clf = eval::load_classifier("", device);             // pinned weights, hash checked
//   eval::RealReference ref = eval::build_real_reference(clf, eval::load_real_split("t10k"), "t10k",
//                                                        n, /*seed*/ 0);       // once per run
//   eval::EvalReport r = eval::evaluate(fake_images, nullptr, ref, {});        // every eval interval
//   std::puts(eval::format_table(r).c_str());   // or eval::format_line(r) in a progress log
//   metrics.jsonl line: eval::to_json(r, step); diagnostics: Diagnostics::observe(eval_record(step, r))
//
// For a trainer's eval_every: the reference costs one feature pass over n real
// images plus an n x n k-NN pass (n = 10,000: ~20 s on 2 busy CPU cores; n =
// 2,000: ~1 s), each evaluation the same for the fakes; compare numbers only at
// equal n. Images must have the classifier's channel count (1 for the
// committed Fashion-MNIST network): extract_features throws otherwise, so a
// trainer on another dataset should skip evaluation (or take --classifier).
//
// Every number is measured on the classifier's penultimate features (128-d)
// or its softmax; see distances.h, frechet.h, kernel_distance.h, manifold.h,
// class_stats.h for the definitions. Every report states n_real, n_fake, the
// reference split, the extractor's SHA-256 and the seed, so two numbers are
// only compared when those match.
//
// Cost at n_real = n_fake = 10,000 (d = 128): features 5.8 M MAC per image;
// three n x n distance matrices (real-real once per reference; fake-fake and
// fake-real per evaluation) at 2 n^2 d = 25.6 GFLOP each; KID 100 subsets x 3
// Gram matrices of 1000^2 at 2 * 1000^2 * 128 = 0.26 GFLOP each (77 GFLOP).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gan/models/data.h"
#include "gan/models/eval/class_stats.h"
#include "gan/models/eval/classifier.h"
#include "gan/models/eval/frechet.h"
#include "gan/models/eval/kernel_distance.h"
#include "gan/models/eval/manifold.h"

namespace gan::models::eval {

// Classifier outputs for a set of images.
struct FeatureSet {
  Tensor features;  // [n, feature_dim] f32, on the classifier's device
  Tensor probs;     // [n, classes] f32, on the CPU (softmax)
  int64_t size() const { return features.defined() ? features.size(0) : 0; }
};

// images [N, C, H, W] in [-1, 1], any device and size (resized bilinearly to
// 28x28 when H, W differ); C must be the classifier's channel count.
FeatureSet extract_features(FeatureClassifier& net, const Tensor& images, int64_t batch = 500);

// The real side, computed once and reused by every evaluate() call.
struct RealReference {
  std::shared_ptr<FeatureClassifier> classifier;
  std::string extractor_sha256;
  std::string split;   // "train", "t10k", or a file/folder name
  uint64_t seed = 0;   // of the draw of the n real images from the split
  FeatureSet real;
  GaussianStats stats;
  RealManifold manifold;
  int64_t n() const { return real.size(); }
};

// "train" or "t10k" (Fashion-MNIST from dataset-fashion-mnist, with labels);
// anything else is read with load_dataset(path, 28, 1).
Dataset load_real_split(const std::string& split);

// Draws n images of `data` (without replacement, seeded; all of them when
// n >= size or n <= 0) and computes their features, Gaussian and k-NN radii.
RealReference build_real_reference(const LoadedClassifier& clf, const Dataset& data, const std::string& split,
                                   int64_t n, uint64_t seed, const ManifoldOptions& mo = {});
// From precomputed real features (tests, the NumPy cross-check): no classifier.
RealReference reference_from_features(const Tensor& real_features, const std::string& split,
                                      const std::string& extractor_sha256, uint64_t seed,
                                      const ManifoldOptions& mo = {});

struct EvalOptions {
  uint64_t seed = 0;              // KID subsets (recorded in the report)
  int64_t kid_subsets = 100;
  int64_t kid_subset_size = 1000; // clamped to min(n_real, n_fake)
  int64_t batch = 500;            // classifier batch
  double covered_fraction = 0.1;  // class_stats.h
};

struct EvalReport {
  // provenance
  int64_t n_real = 0, n_fake = 0;
  std::string split, extractor_sha256;
  uint64_t seed = 0;            // EvalOptions::seed (KID subsets)
  uint64_t reference_seed = 0;  // RealReference::seed (which real images)
  // distances between the feature distributions (lower is better)
  double frechet_classifier_distance = std::numeric_limits<double>::quiet_NaN();  // NaN when refused (n < d)
  std::string frechet_note;                 // why it is NaN
  KernelDistance kernel_distance;           // KID analogue: mean, std, subsets, subset_size
  // fidelity / diversity (0..1, density may exceed 1)
  ManifoldMetrics manifold;                 // precision, recall, density, coverage, near-duplicates
  ClassStats classes;                       // classifier score, histogram, entropy, covered, requested acc.
  double seconds = 0;                       // wall time of the evaluation
};

// fake_images [N, C, H, W] in [-1, 1]; requested_labels [N] i64 for
// conditional samples or null. Fréchet distance with n < feature_dim is not
// computed (NaN + frechet_note); use frechet_distance() directly for the error.
EvalReport evaluate(const Tensor& fake_images, const Tensor* requested_labels, const RealReference& ref,
                    const EvalOptions& o = {});
// The same from fake features (probs may be undefined: class stats are then skipped).
EvalReport evaluate_features(const FeatureSet& fake, const Tensor* requested_labels, const RealReference& ref,
                             const EvalOptions& o = {});

// A fixed-width table (one metric per line, with n, split, hash and seed), and
// one JSON object (no newline) with the keys listed in evaluate.cpp's to_json.
std::string format_table(const EvalReport& r, const std::string& title = "");
// One progress line: "FCD 125.27  KIDx1e3 23223.7  P 0.617 R 0.009  D 0.377 C 0.052  dup 0.000  score 2.44  classes 10/10".
std::string format_line(const EvalReport& r);
// step >= 0 puts "step" first (a metrics.jsonl line for the trainer).
std::string to_json(const EvalReport& r, int64_t step = -1);

// ---- calibration -------------------------------------------------------------
// Corruptions of real images for the monotonicity check: Gaussian noise of std
// `level` (images clamped to [-1, 1]), or a Gaussian blur of std `level` pixels
// (separable, depthwise, kernel radius ceil(3 level), zero padding renormalized).
enum class Corruption { noise, blur };
Tensor corrupt_images(const Tensor& images, Corruption kind, double level, Generator& gen);
// Rows of `images` picked by the seeded draw that build_real_reference uses.
Tensor draw_images(const Dataset& data, int64_t n, uint64_t seed);

}  // namespace gan::models::eval
