// Where a generator's self-attention looks (SAGAN, Zhang et al. 2019, Fig. 1
// and 5): for a few query positions of a block's feature map, the block's
// attention weights over all positions, upsampled to the image and drawn over
// the sample. Used by `gan attention` (cli/cmd_attention.cpp) and by the
// SAGAN system's own measurements; independent of the CLI.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "gan/io/png.h"
#include "gan/models/gan_system.h"
#include "gan/nn/self_attention.h"

namespace gan::models {

// Every nn::SelfAttention2d of a module tree, in named_modules() order.
std::vector<nn::SelfAttention2d*> attention_blocks(nn::Module& root);

// What G's attention blocks computed while generating one batch.
struct GeneratorAttention {
  Tensor images;              // [B, C, S, S] in [-1, 1], on the CPU
  std::vector<Tensor> maps;   // per block: beta [B, N, N] on the CPU, row j = query position j's
                              // weights over the N key positions (row-major over side x side)
  std::vector<int64_t> sides; // per block: the side of its (square) feature map, N = side^2
};

// Runs system.generate(G, latent) in eval mode under no_grad with every
// block's keep_attention on (restored after). G without attention blocks:
// gan::Error naming the module type.
GeneratorAttention generator_attention(GanSystem& system, nn::Module& G, const Latent& latent);

// The picture, one row per sample b of images [B, C, S, S] (C = 1 or 3):
// the sample with every query marked in its colour, then one tile per query:
// the sample in gray under a heat map (black -> red -> yellow -> white) of
// beta[b, query] over the side x side map, bilinearly upsampled to S x S and
// divided by its maximum, the query marked. queries are (row, col) in map
// coordinates; every tile is magnified `zoom` times (nearest), tiles are
// 2 pixels apart. Out-of-range queries or mismatched shapes: gan::Error.
io::Image draw_attention_maps(const Tensor& images, const Tensor& beta, int64_t side,
                              const std::vector<std::pair<int64_t, int64_t>>& queries, int64_t zoom = 4);

// Four spread query positions of a side x side map: the centre, the upper
// middle, the left middle and the lower right.
std::vector<std::pair<int64_t, int64_t>> default_attention_queries(int64_t side);

}  // namespace gan::models
