// DCGAN (Radford et al. 2016): the all-convolutional G and D of dcgan.h, z ~
// N(0, I), and the run's adversarial loss (non-saturating by default). The
// default run (configs/dcgan-fmnist.toml). Its judge also returns D's
// penultimate features (the linear probe of run key probe_samples).
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {
std::vector<OptionSpec> options() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  // none: the D of a zero-centred penalty (run key r1_weight), per sample as
  // R3GAN's, for the non-saturating + R1 baseline (scripts/claims/r3gan_fmnist.sh).
  o.push_back({"d_norm", OptionType::string, "batch", "D's hidden normalization: batch (DCGAN's), layer, none or spectral"});
  return o;
}
}  // namespace

SystemInfo gan_system_dcgan() {
  return {"dcgan", "all-convolutional G and D with batch norm; the default run",
          "Radford, Metz & Chintala 2016, Unsupervised representation learning with deep convolutional GANs",
          options(), [](SystemSetup s) { return std::make_unique<nets::PlainDcgan>(std::move(s)); }};
}

}  // namespace gan::models
