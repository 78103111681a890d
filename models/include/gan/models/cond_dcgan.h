// The DCGAN generator with class-conditional batch norm (de Vries et al. 2017;
// the generator of Miyato & Koyama 2018's projection cGAN): the layer stack of
// DcganGenerator (dcgan.h) with every BatchNorm2d replaced by a
// ConditionalBatchNorm2d whose gamma / beta are looked up by class (starting
// at 1 / 0, so it begins as plain BN). Convolutions get dcgan_init's N(0, 0.02).
// With class_input the one-hot class is also concatenated to z, as CGAN's G
// ([N, z_dim + K] into the first transposed conv): the DCGAN G has only a few
// BN stages and its first one can only rescale class-agnostic channels.
//
//   z [N, z_dim], y [N] i64 in [0, K)  ->  images [N, C, S, S] in (-1, 1)
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gan/models/dcgan.h"
#include "gan/nn/conditional_batch_norm.h"

namespace gan::models {

class CondDcganGenerator : public nn::Module {
 public:
  CondDcganGenerator(const DcganOptions& o, int64_t num_classes, Generator& gen, bool class_input = false);
  Tensor forward(const Tensor& z, const Tensor& y);

  DcganOptions options;
  int64_t num_classes;
  bool class_input;
  std::vector<std::shared_ptr<nn::ConvTranspose2d>> convs;         // one per stage, then the output conv
  std::vector<std::shared_ptr<nn::ConditionalBatchNorm2d>> norms;  // one per stage
};

}  // namespace gan::models
