// Private helpers of the system files (models/src/systems/): the DCGAN-net
// keys most systems share, conditioning inputs, and a checked module cast.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gan/models/dcgan.h"
#include "gan/models/gan_system.h"
#include "gan/models/options.h"

namespace gan::models::nets {

// z_dim (100), features_g (32), features_d (32): Radford et al.'s DCGAN at 28x28.
std::vector<OptionSpec> dcgan_options();
// The DCGAN options of a system's setup; extra_z widens G's input (a one-hot
// class), extra_channels D's (class planes), outputs D's last conv.
DcganOptions dcgan_net(const SystemSetup& s, int64_t extra_z = 0, int64_t extra_channels = 0, int64_t outputs = 1);

// z [n, z_dim] ~ N(0, 1) from `gen` on `device`.
Tensor normal_noise(int64_t n, int64_t z_dim, Generator& gen, Device device);
// z as normal_noise, then y = sample_classes(n, k, ..., klass): the latent of
// a class-conditional system.
Latent conditional_latent(int64_t n, int64_t z_dim, int64_t k, Generator& gen, Device device, int64_t klass);
// y [N] i64 -> one-hot [N, k] f32 (on y's device).
Tensor one_hot(const Tensor& y, int64_t k);

// The unconditional DCGAN system: z ~ N(0, I) -> G(z); D judged as its adv
// output with its penultimate features (flattened). The DCGAN, LSGAN, hinge
// and WGAN systems are this with their own losses and hooks; `net` may change
// D's options (WGAN-GP's normalization) before the nets are built.
class PlainDcgan : public GanSystem {
 public:
  explicit PlainDcgan(SystemSetup s);
  // D with d_outputs outputs (its adv is then D's raw [N, d_outputs]); the
  // signature PlainMlp2d's (either_nets.h builds a system on either).
  PlainDcgan(SystemSetup s, const std::string& system, int64_t d_outputs);
  nn::ModulePtr make_generator(Generator& init) override;
  nn::ModulePtr make_discriminator(Generator& init) override;
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override;
  Tensor generate(nn::Module& G, const Latent& l) override;
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override;
  bool supports_d_remedies() const override { return true; }

 protected:
  DcganOptions d_net_;  // D's options (dcgan_net(setup()) unless a system changes them)
  int64_t z_dim_;
};

// A system whose paper fixes its loss checks the run's `loss` key against it
// (monitoring reads D's outputs by that key): gan::Error naming the system,
// the key and both losses otherwise.
void require_loss(const SystemSetup& s, LossKind kind, const char* system);

// Fraction of labelled rows (label >= 0) of logits [N, K] whose label's logit
// is above every other class's (a tie is a miss); 0 when none is labelled.
// A [] tensor on the logits' device, so a training step reads it back with its
// other numbers (step_readback.h). Monitoring only (no graph).
Tensor class_accuracy(const Tensor& logits, const Tensor& labels);

// The module as M, or gan::Error naming the system and both types.
template <class M>
M& as(nn::Module& m, const char* system) {
  auto* p = dynamic_cast<M*>(&m);
  GAN_CHECK(p != nullptr, system, ": expected a module of its own nets, got ", m.type_name());
  return *p;
}

}  // namespace gan::models::nets
