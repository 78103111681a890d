// Does G copy its training images? A data-copying test in the classifier's
// features (after Meehan, Chaudhuri & Dasgupta 2020, "A non-parametric test to
// detect data-copying in generative models", simplified to nearest neighbours):
// for every generated sample, its distance to the nearest of m training images
// (the images the run trained on) against its distance to the nearest of m
// held-out images of the same distribution (another split). A generator that
// generalizes has no preference (closer_to_train ~ 0.5, median ratio ~ 1); one
// that reproduces its training set lands next to it (closer_to_train -> 1,
// ratio -> 0). Equal m on both sides matters: a nearest-neighbour distance
// shrinks as its set grows.
//
// The small-data claim of augmentation (#14) is the use: on 200 images D
// memorizes (r_t -> 1) and G may follow; this says whether it did.
//
// Cost: two [n_fake, m] distance matrices, 2 * 2 n m d FLOP (n = 2,000,
// m = 200, d = 128: 0.2 GFLOP).
#pragma once

#include <cstdint>

#include "gan/tensor.h"

namespace gan::models::eval {

struct MemorizationReport {
  int64_t n_fake = 0, n_train = 0, n_heldout = 0;
  double closer_to_train = 0;   // share of fakes with d_train < d_heldout (ties count half)
  double median_nn_ratio = 0;   // median over fakes of d_train / d_heldout
  double median_nn_train = 0;   // median nearest-training-image distance
  double median_nn_heldout = 0; // median nearest-held-out-image distance
};

// fake [n, d], train [m, d], heldout [m, d] features (same device, f32);
// train and heldout must have the same number of rows (gan::Error otherwise,
// naming both shapes), and every set at least one row.
MemorizationReport memorization(const Tensor& fake, const Tensor& train, const Tensor& heldout);

}  // namespace gan::models::eval
