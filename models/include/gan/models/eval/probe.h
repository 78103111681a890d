// Measures of what a GAN's networks learned without labels. Linear probe of frozen features: how linearly separable the classes are in a
// network's representation — the measure of D's features in Chen et al. 2019
// (self-supervised GANs), where it tracks discriminator forgetting. A
// multinomial logistic regression on standardized features (mean and std of
// the training rows), fit by full-batch gradient descent from zero weights
// with a fixed number of iterations: deterministic for given inputs, no
// random stream.
//
// discriminator_probe runs it on D's penultimate features (GanSystem::judge's
// `features`, D in eval mode) of two fixed subsets of a labelled dataset: the
// first m labelled images fit the probe, the next n test it. The Trainer runs
// it every eval_every steps when run key probe_samples = n > 0 (m: run key
// probe_fit_samples, default n), for any system whose judge returns features
// (probe_accuracy in metrics.jsonl).
//
// Run key probe_pool picks what of a feature map [N, C, H, W] the probe reads:
// every unit flattened (C*H*W, "flat"), or one number per channel (C) by a
// global average ("avg") or max ("max") over H x W. Pooling takes away the
// spatial layout that lets even a random conv net's flattened map separate
// Fashion-MNIST's classes (an untrained DCGAN D with 100 images to fit:
// 0.69 flat, 0.58 averaged; scripts/claims/ssgan_forgetting.sh).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gan/models/data.h"
#include "gan/models/gan_system.h"
#include "gan/tensor.h"

namespace gan::models::eval {

struct ProbeOptions {
  int64_t iterations = 300;  // full-batch gradient steps
  double lr = 0.5;           // step size on standardized features
  double l2 = 1e-3;          // weight decay (l2 / 2) |W|^2 (not on the bias)
};

enum class FeaturePool { flat, avg, max };
// "flat" | "avg" | "max"; gan::Error naming config key 'probe_pool' otherwise.
FeaturePool parse_feature_pool(const std::string& name);

struct ProbeResult {
  double train_accuracy = 0;
  double test_accuracy = 0;
  double train_loss = 0;  // mean cross-entropy of the fit (without the decay) after the last step
};

// train_x [N, F], test_x [M, F] (any float dtype and device: computed in f32 on
// the CPU); labels [N] / [M] i64 in [0, num_classes).
ProbeResult linear_probe(const Tensor& train_x, const Tensor& train_y, const Tensor& test_x, const Tensor& test_y,
                         int64_t num_classes, const ProbeOptions& o = {});

// D's features of `images` [N, C, S, S] through system.judge (D in eval mode
// under no-grad, chunks of 500; D's mode restored) -> [N, F] on the CPU
// (flat: F = every unit; avg / max: F = C of a map [N, C, H, W]).
// gan::Error naming the system when its judge returns no features, or
// features with no spatial axes to pool (naming key probe_pool and the shape).
Tensor discriminator_features(GanSystem& system, nn::Module& D, const Tensor& images, const std::string& system_name,
                              FeaturePool pool = FeaturePool::flat);

// The probe of D on data's first `fit` labelled images and the next `test`.
// gan::Error naming the keys probe_fit_samples and probe_samples when data has
// fewer than fit + test labelled images.
ProbeResult discriminator_probe(GanSystem& system, nn::Module& D, const Dataset& data, int64_t fit, int64_t test,
                                const std::string& system_name, const ProbeOptions& o = {},
                                FeaturePool pool = FeaturePool::flat);

// Clustering accuracy of a contingency table counts[a][b] (rows: clusters —
// InfoGAN's code values; columns: classes): the largest share of the total
// that a one-to-one matching of rows to columns collects (Hungarian
// algorithm; a rectangular table matches min(rows, columns) pairs). 0 for an
// empty table.
double matched_agreement(const std::vector<std::vector<int64_t>>& counts);

}  // namespace gan::models::eval
