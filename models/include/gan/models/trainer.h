// The adversarial training loop for DCGAN: one Trainer owns G, D, an EMA copy
// of G, both optimizers, the data loader and every random stream, and runs
//
//   repeat n_critic times:  D step on a real batch and detached fakes
//                           (+ gradient penalty / R1, then weight clipping)
//   G step;  EMA G <- d * EMA G + (1 - d) * G, d = min(decay, (1 + t) / (10 + t))
//            (a warm-up over the first steps; BN buffers copied)
//
// with separate learning rates (TTUR). Every step yields StepStats (losses,
// D(x), D(G(z)), gradient norms, time), written as JSON lines to
// <out_dir>/metrics.jsonl (a fresh run truncates it, a resumed one drops the
// lines past its checkpoint and appends); sample grids of EMA G on a fixed noise batch go to
// <out_dir>/samples/step_XXXXXX.png; checkpoints (safetensors + metadata,
// written atomically) to <out_dir>/checkpoint.safetensors.
//
// Device: cfg.device ("auto" picks a real GPU when there is one). Noise comes
// from the same counter-based Philox streams on every device, so a CUDA run
// draws the same z as a CPU run; checkpoints are device-independent (tensors
// are saved from and loaded to whatever device the Trainer uses).
//
// Reproducibility: each random stream is its own Generator seeded seed + k
// (init, noise, penalty, loader shuffle, fixed sample noise). A checkpoint holds
// G, D, EMA G, both optimizers' state, the step, every Generator's (seed,
// offset), the loader's position and the config, so resume() continues exactly:
// on CPU a run of 2N steps and N steps + resume + N steps give identical losses.
//
// Divergence: a NaN/Inf loss or gradient norm throws TrainingDiverged (naming
// the quantity and the step) before any optimizer applies it; the checkpoint
// file on disk is the last good one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gan/error.h"
#include "gan/io/png.h"
#include "gan/models/data.h"
#include "gan/models/dcgan.h"
#include "gan/models/losses.h"
#include "gan/optim/optimizer.h"

namespace gan::models {

struct TrainerConfig {
  // data
  std::string dataset = kFashionMnistTrainImages;  // u8 IDX images (gz or plain), or a folder of PNGs
  int64_t dataset_limit = 0;                       // > 0: use the first N images only
  // model
  int64_t image_size = 28;   // 28, 32, 64 (data is resized to it)
  int64_t channels = 1;      // must match the data
  int64_t z_dim = 100;
  int64_t features_g = 32;
  int64_t features_d = 32;
  // objective
  LossKind loss = LossKind::non_saturating;
  int64_t n_critic = 1;      // D steps per G step
  double gp_weight = 0;      // > 0: WGAN-GP penalty on D
  double r1_weight = 0;      // > 0: (r1_weight / 2) * R1 on D
  double clip_value = 0;     // > 0: clip D's weights to [-c, c] after each D step (WGAN)
  // optimization
  std::string optimizer = "adam";  // "adam" or "rmsprop" (WGAN paper)
  double lr_g = 2e-4;
  double lr_d = 2e-4;        // TTUR: may differ from lr_g
  double beta1 = 0.5;        // Adam betas (DCGAN: 0.5, 0.999)
  double beta2 = 0.999;
  int64_t batch = 64;
  int64_t steps = 3000;      // G steps
  uint64_t seed = 0;
  double ema_decay = 0.999;  // 0 disables the EMA (samples then come from G)
  // where G, D, the optimizer state and the batches live: "cpu", "cuda",
  // "cuda:N", or "auto" (the first CUDA device when this build has the real
  // CUDA runtime and a device is present, else the CPU; the sim flavour's
  // emulated device is never picked automatically: it is a correctness tool).
  std::string device = "auto";
  // outputs (0 disables each)
  int64_t checkpoint_every = 500;
  int64_t sample_every = 250;
  int64_t sample_count = 64;  // images in a grid (a square number gives a square grid)
  int64_t log_every = 1;      // JSON lines every N steps
  std::string out_dir = "runs/dcgan";
};

// Every key of TrainerConfig, in declaration order.
const std::vector<std::string>& config_keys();
// Sets one field from text ("lr_g", "1e-4"; "loss", "hinge"). Unknown key or a
// value that does not parse / is out of range -> gan::Error naming the key.
void set_config_value(TrainerConfig& cfg, const std::string& key, const std::string& value);
// Range checks across fields (image_size in {28, 32, 64}, positive sizes, ...):
// gan::Error naming the key.
void validate_config(const TrainerConfig& cfg);
// JSON object of every field (strings, numbers; loss by name; seed as a number).
std::string config_to_json(const TrainerConfig& cfg, int indent = 2);
// Parses such an object; unknown keys are errors; missing keys keep defaults.
TrainerConfig config_from_json(const std::string& json);
DcganOptions dcgan_options(const TrainerConfig& cfg);
// cfg.device resolved to a Device of this build; gan::Error naming the key when
// it does not parse or names a device this build or machine does not have.
Device resolve_device(const std::string& device);

// One G step (with its n_critic D steps).
struct StepStats {
  int64_t step = 0;              // 1-based count of G steps done
  double loss_d = 0, loss_g = 0; // D loss of the last critic step (with penalties), G loss
  double penalty = 0;            // the gradient penalty / R1 term (unweighted), 0 if none
  double d_real = 0, d_fake = 0; // mean sigmoid(D) for logit losses, mean D otherwise (last D step)
  double grad_norm_d = 0, grad_norm_g = 0;  // global L2 norms of the gradients before the update
  double step_seconds = 0;       // wall time of this step
  double elapsed_seconds = 0;    // since this Trainer was built (a resume restarts it): for ETAs
  double run_seconds = 0;        // the run's total, summed over resumes
  bool sampled = false;          // a sample grid was written after this step
  bool checkpointed = false;     // a checkpoint was written after this step
};

// A non-finite loss or gradient norm. what(): "training diverged at step 7:
// loss_d is nan (last good checkpoint: <path>)".
class TrainingDiverged : public Error {
 public:
  TrainingDiverged(std::string quantity, int64_t step, double value, const std::string& checkpoint);
  std::string quantity;  // "loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "penalty"
  int64_t step;
};

class Trainer {
 public:
  // Loads cfg.dataset (load_dataset: resized to cfg.image_size), builds the models.
  explicit Trainer(TrainerConfig cfg);
  // With data already in memory (tests, other sources); images must match
  // cfg.channels and cfg.image_size.
  Trainer(TrainerConfig cfg, std::shared_ptr<const Dataset> data);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Restores everything from a checkpoint written by save_checkpoint. The
  // checkpoint's model shape (image_size, channels, z_dim, features) must match
  // this Trainer's config (error naming the key); steps, lrs, intervals, out_dir
  // are this config's.
  void resume(const std::string& checkpoint_path);

  // One G step with its D steps; writes metrics/samples/checkpoint when due.
  StepStats step();
  // Steps until config().steps (from the current step), then a final checkpoint
  // and sample grid. on_step runs after every step (progress bars).
  void train(const std::function<void(const StepStats&)>& on_step = {});

  // Atomic; the default path is checkpoint_path().
  void save_checkpoint(const std::string& path) const;
  void save_checkpoint() const { save_checkpoint(checkpoint_path()); }
  std::string checkpoint_path() const;  // <out_dir>/checkpoint.safetensors

  // EMA G (or G when ema_decay == 0) in eval mode on the fixed noise -> PNG grid.
  void write_samples(const std::string& path) const;
  // The resolved config as JSON (config_to_json), written atomically.
  void write_config_json(const std::string& path) const;

  int64_t current_step() const { return step_; }
  const TrainerConfig& config() const { return cfg_; }
  DcganGenerator& generator() { return *G_; }
  DcganDiscriminator& discriminator() { return *D_; }
  DcganGenerator& sampling_generator();  // EMA G (eval mode), or G (train mode) without EMA
  const Tensor& fixed_noise() const { return fixed_noise_; }  // [sample_count, z_dim]
  Device device() const { return device_; }  // where the models and batches live

 private:
  struct State;
  void init(std::shared_ptr<const Dataset> data);
  void d_step(StepStats& s, bool last);
  void g_step(StepStats& s);
  void update_ema();
  void check_finite(const char* quantity, double v) const;
  void write_metrics(const StepStats& s);

  TrainerConfig cfg_;
  Device device_;
  std::shared_ptr<DcganGenerator> G_, G_ema_;
  std::shared_ptr<DcganDiscriminator> D_;
  std::unique_ptr<optim::Optimizer> opt_g_, opt_d_;
  std::unique_ptr<Loader> loader_;
  Generator init_gen_, noise_gen_, penalty_gen_;
  Tensor fixed_noise_;
  int64_t step_ = 0;
  double elapsed_base_ = 0;
  std::unique_ptr<State> state_;  // clocks, metrics stream
};

// ---- sampling utilities (also used by the CLI) ----------------------------------
// images [N, C, H, W] in [-1, 1] (C = 1 or 3) -> one image, `nrow` per row
// (0: ceil(sqrt(N))), `padding` pixels of black between and around tiles;
// values map as round((v + 1) * 127.5) clamped to [0, 255].
io::Image make_image_grid(const Tensor& images, int64_t nrow = 0, int64_t padding = 2);
// One image of a batch as an io::Image (no padding).
io::Image tensor_to_image(const Tensor& images, int64_t index);

// The generator stored in a checkpoint (EMA G when `ema` and present, else G),
// in eval mode; its config through `config_out` when non-null.
std::shared_ptr<DcganGenerator> load_generator(const std::string& checkpoint_path, bool ema = true,
                                               TrainerConfig* config_out = nullptr);

}  // namespace gan::models
