// The generic adversarial training loop: one Trainer runs any GAN system of
// the registry (registry.h, gan_system.h) and owns what every system shares:
// G, D and an EMA copy of G, both optimizers, the data loader, every random
// stream, and
//
//   on_step(step)
//   repeat n_critic times:  D step on a real batch and detached fakes
//                           (+ gradient penalty / R1, weight clipping, after_d_step)
//   G step;  EMA G <- d * EMA G + (1 - d) * G, d = min(decay, (1 + t) / (10 + t))
//            (a warm-up over the first steps; BN buffers copied)
//
// with separate learning rates (TTUR). It names no system: everything
// system-specific is a call through GanSystem. Every step yields StepStats
// (losses, D(x), D(G(z)), gradient norms, the system's named scalars, time),
// written as JSON lines to <out_dir>/metrics.jsonl (a fresh run truncates it,
// a resumed one drops the lines past its checkpoint and appends); sample grids
// of EMA G on a fixed latent go to <out_dir>/samples/step_XXXXXX.png (one class
// per row for conditional systems); checkpoints (train_state.cpp: safetensors +
// metadata, written atomically) to <out_dir>/checkpoint.safetensors.
//
// Device: cfg.device ("auto" picks a real GPU when there is one). Noise comes
// from the same counter-based Philox streams on every device, so a CUDA run
// draws the same latents as a CPU run; checkpoints are device-independent.
//
// Reproducibility: each random stream is its own Generator seeded seed + k
// (init, noise, penalty, loader shuffle, fixed sample noise, label subset). A
// checkpoint holds G, D, EMA G, both optimizers' state, the step, every
// Generator's (seed, offset), the loader's position, the config and the
// system's name and options, so resume() continues exactly: on CPU a run of 2N
// steps and N steps + resume + N steps give identical losses.
//
// Divergence: a NaN/Inf loss or gradient norm throws TrainingDiverged (naming
// the quantity and the step) at the end of that step, before it is counted,
// logged or checkpointed: the checkpoint file on disk is the last good one.
// (The step's numbers are read back from a device in one copy at its end, so
// its optimizer updates may already be applied in memory.)
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
#include "gan/models/augment.h"
#include "gan/models/gan_system.h"
#include "gan/models/losses.h"
#include "gan/models/options.h"
#include "gan/optim/optimizer.h"

namespace gan::models {

// The run's keys, plus the GAN system and its own table. In a config file:
//   [system] name = "acgan"        the system (default: default_system_name())
//   [acgan]  class_weight = 1.0    its table: keys it owns and validates
//   [data] / [optim] / ...         any other table only groups run keys
struct TrainerConfig {
  TrainerConfig();  // the default system (default_system_name()) with its defaults
  // system
  std::string system;            // a registry name (`gan systems`)
  SystemOptions system_options;        // that system's table
  // data
  std::string dataset = kFashionMnistTrainImages;  // u8 IDX images (gz or plain), or a folder of images
  std::string labels = "auto";  // IDX labels; "auto": beside IDX images (train-images -> train-labels) or
                                // class subfolders of a folder; "none": unlabelled
  int64_t labels_per_class = 0; // > 0: keep labels for only this many images per class (semi-supervised)
  int64_t dataset_limit = 0;                       // > 0: use the first N images only
  int64_t image_size = 28;   // 28, 32, 64 (data is resized to it)
  int64_t channels = 1;      // must match the data
  // objective
  LossKind loss = LossKind::non_saturating;
  int64_t n_critic = 1;      // D steps per G step
  double gp_weight = 0;      // > 0: gradient penalty on D (Gulrajani et al. 2017)
  double r1_weight = 0;      // > 0: (r1_weight / 2) * R1 on D
  double clip_value = 0;     // > 0: clip D's weights to [-c, c] after each D step (Arjovsky et al. 2017)
  // mode-collapse remedies on D (for systems whose supports_d_remedies())
  int64_t pack = 1;              // PacGAN (Lin et al. 2018): D judges this many samples at once
  int64_t minibatch_stddev = 0;  // > 0: the minibatch stddev feature (Karras et al. 2018) before D's last
                                 // layer (group size)
  // augmentation of everything D sees (augment.h: DiffAugment's transforms, ADA's p)
  std::string augment;       // "" or a comma list of translation, cutout, color
  double ada_target = 0;     // > 0: adapt p toward r_t = E[sign D(real)] = ada_target (ADA: 0.6); 0: p = 1
  int64_t ada_interval = 4;  // D steps between adjustments of p
  double ada_kimg = 100;     // thousands of real images for p to move by 1
  // optimization
  std::string optimizer = "adam";  // "adam" or "rmsprop" (as weight clipping's paper)
  double lr_g = 2e-4;
  double lr_d = 2e-4;        // TTUR: may differ from lr_g
  double beta1 = 0.5;        // Adam betas (Radford et al. 2016: 0.5, 0.999)
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
  int64_t eval_every = 500;   // every N steps: the metric suite (run_monitor.h) and GanSystem::evaluate
  int64_t eval_samples = 2000;  // samples (and t10k images) per metric evaluation; 0: metrics off
  int64_t probe_samples = 0;   // > 0: every eval_every steps, a linear probe of D's features (eval/probe.h):
                               // fit on the data's first m labelled images, tested on the next n (probe_accuracy)
  int64_t probe_fit_samples = 0;  // m; 0: m = n. Few (e.g. 100) make the probe harder: with 1,000 even an
                                  // untrained D's features separate Fashion-MNIST's classes (0.82)
  std::string probe_pool = "flat";  // what the probe reads of a feature map [N, C, H, W]: "flat" (every unit),
                                    // "avg" / "max" (a global pool to [N, C]; eval/probe.h)
  std::string out_dir = "runs/gan";
};

// The augmentation keys as augment.h's config.
AugmentConfig augment_config(const TrainerConfig& cfg);

// Every run key of TrainerConfig, in declaration order ("system" first).
const std::vector<std::string>& config_keys();
// Sets one key from text: a run key ("lr_g", "1e-4"), "system" (resets the
// system's table to its defaults), a system key as "table.key" or, when no run
// key has the name, plain "key". Unknown key or a value that does not parse ->
// gan::Error naming the key (and the table for a system's key).
void set_config_value(TrainerConfig& cfg, const std::string& key, const std::string& value);
// Range checks across fields (image_size in {28, 32, 64}, positive sizes, ...):
// gan::Error naming the key.
void validate_config(const TrainerConfig& cfg);
// JSON object of every run key, then the system's table as an object under its
// name: {"system": "acgan", ..., "acgan": {"z_dim": 100, ...}}.
std::string config_to_json(const TrainerConfig& cfg, int indent = 2);
// Parses such an object; unknown keys are errors; missing keys keep defaults.
// The flat configs of the first, single-system checkpoints (z_dim, features_g
// at the top level, no "system") read as the default system.
TrainerConfig config_from_json(const std::string& json);
// cfg.device resolved to a Device of this build; gan::Error naming the key when
// it does not parse or names a device this build or machine does not have.
Device resolve_device(const std::string& device);

// One G step (with its n_critic D steps).
struct StepStats {
  int64_t step = 0;              // 1-based count of G steps done
  double loss_d = 0, loss_g = 0; // D loss of the last critic step (with penalties), G loss
  double penalty = 0;            // the gradient penalty / R1 term (unweighted), 0 if none
  double d_real = 0, d_fake = 0; // mean sigmoid(D) for logit losses, mean D otherwise (last D step)
  double r_t = 0;                // E[sign D(x_real)] of the last D step: ADA's overfitting heuristic,
                                 // near 1 when D has memorized the reals (0 for a balanced D)
  double grad_norm_d = 0, grad_norm_g = 0;  // global L2 norms of the gradients before the update
  std::vector<std::pair<std::string, double>> scalars;  // the system's named numbers (D step's, then G's)
  std::vector<std::pair<std::string, double>> evaluation;  // GanSystem::evaluate, on eval steps
  std::string metrics_line;      // the metric suite's progress line, on eval steps that ran it
  std::vector<std::string> alarms;  // failure-mode alarms raised at this step ("ALARM step ...")
  double step_seconds = 0;       // wall time of this step
  double elapsed_seconds = 0;    // since this Trainer was built (a resume restarts it): for ETAs
  double run_seconds = 0;        // the run's total, summed over resumes
  bool sampled = false;          // a sample grid was written after this step
  bool checkpointed = false;     // a checkpoint was written after this step
};

// A non-finite loss or gradient norm. what(): "training diverged at step 7:
// loss_d is nan (last good checkpoint: <path>)".
class StepReadback;  // models/src/step_readback.h: the step's numbers, read back in one copy

class TrainingDiverged : public Error {
 public:
  TrainingDiverged(std::string quantity, int64_t step, double value, const std::string& checkpoint);
  std::string quantity;  // "loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "penalty"
  int64_t step;
};

class Trainer {
 public:
  // Loads cfg.dataset (load_dataset: resized to cfg.image_size, labels per
  // cfg.labels / labels_per_class), builds the system and its models.
  explicit Trainer(TrainerConfig cfg);
  // With data already in memory (tests, other sources); images must match
  // cfg.channels and cfg.image_size (labels_per_class is applied here too).
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
  // Steps until config().steps (from the current step), then a final checkpoint,
  // sample grid and report (report.h: <out_dir>/report/). on_step runs after
  // every step (progress bars).
  void train(const std::function<void(const StepStats&)>& on_step = {});

  // Atomic; the default path is checkpoint_path().
  void save_checkpoint(const std::string& path) const;
  void save_checkpoint() const { save_checkpoint(checkpoint_path()); }
  std::string checkpoint_path() const;  // <out_dir>/checkpoint.safetensors

  // EMA G (or G when ema_decay == 0) in eval mode on the fixed latent -> PNG grid.
  void write_samples(const std::string& path) const;
  // The resolved config as JSON (config_to_json), written atomically.
  void write_config_json(const std::string& path) const;

  int64_t current_step() const { return step_; }
  // The diagnostics' end-of-run summary ("no alarms" or each kind's episodes).
  std::string diagnostics_summary() const;
  const TrainerConfig& config() const { return cfg_; }
  GanSystem& system() { return *system_; }
  nn::Module& generator() { return *G_; }
  nn::Module& discriminator() { return *D_; }
  nn::Module& sampling_generator();  // EMA G (eval mode), or G (train mode) without EMA
  const Latent& fixed_latent() const { return fixed_latent_; }  // z [sample_count, z_dim] (+ y)
  const Dataset& dataset() const;
  Device device() const { return device_; }  // where the models and batches live

 private:
  struct State;
  void init(std::shared_ptr<const Dataset> data);
  void d_step(StepStats& s, StepReadback& rb, bool last);
  void g_step(StepStats& s, StepReadback& rb);
  Tensor for_d(const Tensor& x);  // x as D sees it: augmented when cfg.augment is set
  void update_ema();
  void check_finite(const std::string& quantity, double v) const;
  void write_metrics(const StepStats& s, const std::vector<std::string>& records);

  TrainerConfig cfg_;
  Device device_;
  std::unique_ptr<GanSystem> system_;
  nn::ModulePtr G_, G_ema_, D_;
  std::unique_ptr<optim::Optimizer> opt_g_, opt_d_;
  std::unique_ptr<Loader> loader_;
  Generator init_gen_, noise_gen_, penalty_gen_, augment_gen_;
  std::unique_ptr<Augmenter> augment_;  // null when cfg.augment is empty
  Latent fixed_latent_;
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

// The run's data: cfg.dataset resized to cfg.image_size, with labels per
// cfg.labels (auto: the IDX label file beside IDX images, or the class
// subfolders of an image folder) and cfg.labels_per_class applied (seed + 5).
Dataset load_training_data(const TrainerConfig& cfg);

// The system of a run: built from a config and the facts of its data.
std::unique_ptr<GanSystem> make_system(const TrainerConfig& cfg, int64_t num_classes);

}  // namespace gan::models
