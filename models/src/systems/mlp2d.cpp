// The 2-D GAN of the mode-collapse literature (Metz et al. 2017; Srivastava et
// al. 2017, VEEGAN) on the generic Trainer: the 2-D MLP nets (nets/mlp2d_nets.h)
// on the run's adversarial loss (and the run's penalties: r1_weight gives the
// non-saturating + R1 baseline). Data: dataset = "mixture:ring8" or
// "mixture:grid25" with the table's `mixture` key naming the same mixture.
#include <memory>

#include "../nets/mlp2d_nets.h"
#include "gan/models/registry.h"

namespace gan::models {

SystemInfo gan_system_mlp2d() {
  return {"mlp2d", "MLP G and D on 2-D points (8-Gaussian ring, 25-Gaussian grid); mode coverage every eval interval",
          "Metz et al. 2017, Unrolled GANs; Srivastava et al. 2017, VEEGAN (the ring and grid benchmarks)",
          nets::mlp2d_options(), [](SystemSetup s) { return std::make_unique<nets::PlainMlp2d>(std::move(s), "mlp2d"); }};
}

}  // namespace gan::models
