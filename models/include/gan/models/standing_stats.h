// BigGAN's "standing statistics" (Brock et al. 2019, App. C.1 / their
// `accumulate_standing_stats`): at sampling time, recompute every batch
// norm's running mean and variance of a trained G as the plain average of
// the batch statistics over many batches of G's own activations.
//
// Why: the Trainer's EMA generator copies the live G's running statistics
// (trainer.cpp, update_ema), which were gathered with the live weights and
// an exponential average over the last ~10 steps, not with the averaged
// weights it normalizes; and a truncated z moves every layer's activations
// away from statistics gathered on the full normal. Both skew eval-mode
// batch norm (BigGAN-lite's truncated samples go dark without this).
//
// Which noise: `gan eval` / `gan sample --standing-stats` draw it from the
// full normal G was trained on, whatever --truncation says. Accumulating
// them on the truncated noise instead (as BigGAN's own sweep can) makes the
// first batch norm divide the shrunken z back to unit scale: measured on
// BigGAN-lite (1,800 steps), precision stayed at 0.82-0.84 and recall fell
// only 0.23 -> 0.19 from t = off to t = 0.25, i.e. truncation was undone.
//
// Only the batch norms run in training mode (their running buffers are
// overwritten); every other layer stays in eval mode, so spectral norm's
// power iteration is not stepped and the weights are untouched.
#pragma once

#include <cstdint>

#include "gan/models/trained.h"

namespace gan::models {

// For every BatchNorm2d (with running statistics) and ConditionalBatchNorm2d
// of t.G: running_mean / running_var <- the mean over `batches` batches of
// `batch_size` latents (t.sample_latent from Generator(seed); a conditional
// system's classes uniform; z truncated at `truncation` > 0 as
// truncate_noise does) of each batch's mean and unbiased variance. t.G is
// on `device` and back in eval mode on return. Returns how many layers were
// recomputed; a G without batch norm is an error naming the system, as are
// batches or batch_size < 1 (batch_size 1 gives no variance: >= 2).
int64_t standing_stats(const TrainedGenerator& t, int64_t batches, int64_t batch_size, uint64_t seed,
                       double truncation, Device device);

// What `gan eval` and `gan sample --standing-stats K` run before drawing
// samples from Generator(sample_seed): standing_stats over K batches of the
// training batch size (at least 2) of the full normal, from their own stream
// (sample_seed + 1'000'003), so the samples' latents do not depend on K.
int64_t standing_stats_for_sampling(const TrainedGenerator& t, int64_t batches, uint64_t sample_seed, Device device);

}  // namespace gan::models
