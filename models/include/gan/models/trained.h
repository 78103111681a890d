// A trained generator of any GAN system, loaded from a Trainer checkpoint, for
// sampling (`gan sample`, `gan interpolate`, `gan eval`): the checkpoint names
// its system, the system's options and the data's shape and class count, so
// the same G is rebuilt and its weights loaded. The first, single-system
// checkpoints (format gan-dcgan-trainer/1) load as the default system.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gan/models/gan_system.h"
#include "gan/models/trainer.h"

namespace gan::models {

struct TrainedGenerator {
  TrainerConfig config;            // the run's config, as saved
  int64_t num_classes = 0;         // of the data it was trained on
  int64_t step = 0;                // G steps done at the checkpoint
  std::unique_ptr<GanSystem> system;
  nn::ModulePtr G;                 // on the CPU, eval mode

  bool conditional() const { return system->conditional(); }
  // n latents on the CPU; klass >= 0 fixes the class (conditional systems:
  // out of [0, num_classes) is an error naming both).
  Latent sample_latent(int64_t n, Generator& gen, int64_t klass = -1) const;
  // Images [N, C, S, S] in [-1, 1], under no_grad.
  Tensor generate(const Latent& latent) const;
};

// Edits of the saved config before the system is built (`gan sample --set`):
// evaluation-time keys of a system's table (StyleGAN's truncation_psi). A key
// that reshapes the nets makes loading the weights fail, naming the tensor.
using ConfigEdit = std::function<void(TrainerConfig&)>;

// EMA G when `ema` and the checkpoint has one, else G. Errors name the file.
TrainedGenerator load_trained_generator(const std::string& checkpoint_path, bool ema = true, const ConfigEdit& edit = {});

}  // namespace gan::models
