// A GAN system: everything that makes one GAN of the literature what it is —
// its generator and discriminator, its latent (noise, class labels, codes),
// how D judges an image, and the two players' losses — behind one small
// interface that the generic Trainer (trainer.h) drives.
//
// The Trainer owns what every system shares (n_critic, TTUR, EMA of G,
// gradient penalties, divergence checks, metrics, sample grids, checkpoints,
// exact resume, device placement); a system never sees a file or an
// optimizer. One step, as the Trainer runs it:
//
//   n_critic times:  latent = sample_latent(B)            [z: B x z_dim, y: B]
//                    fake   = generate(G, latent)          [B, C, S, S]
//                    jr = judge(D, real, labels); jf = judge(D, fake.detach(), latent.y)
//                    d_loss({jr, jf, labels, latent}) (+ penalties) -> D update
//                    after_d_step(D)
//   once:            jf = judge(D, fake, latent.y); g_loss({jf, jr, latent}) -> G update
//
// A system is one file in models/src/systems/ that registers itself
// (registry.h); the nets it builds live in models/src/nets/. Hooks below the
// line have no-op defaults.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gan/io/png.h"
#include "gan/models/losses.h"
#include "gan/models/options.h"
#include "gan/nn/module.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

struct Dataset;  // data.h

// What a system knows of the run when it is built (and again when a
// checkpoint is loaded for sampling: every field is stored in it).
struct SystemSetup {
  int64_t image_size = 28;  // real images are [N, channels, image_size, image_size] in [-1, 1]
  int64_t channels = 1;
  int64_t num_classes = 0;  // classes of the dataset's labels; 0 = no labels
  LossKind loss = LossKind::non_saturating;  // the run's adversarial loss (run key `loss`)
  // Mode-collapse remedies on D (run keys), for systems whose supports_d_remedies():
  int64_t pack = 1;                // PacGAN: D judges `pack` samples at once, stacked on channels
  int64_t minibatch_stddev = 0;    // > 0: ProGAN's minibatch stddev feature in D (group size)
  SystemOptions options;          // this system's table, validated
};

// The generator's input for N samples.
struct Latent {
  Tensor z;  // [N, z_dim] f32 noise
  Tensor y;  // [N] i64 class labels (conditional systems), or undefined
  Tensor c;  // [N, k] codes (InfoGAN), or undefined
  int64_t size() const { return z.defined() ? z.size(0) : 0; }
};

// Every head of D on one batch.
struct Judgement {
  Tensor adv;           // [N] the real/fake output: a logit, or a critic value
  Tensor class_logits;  // [N, K], or undefined (ACGAN, semi-supervised GAN)
  Tensor features;      // D's penultimate features, [N, F] or a map [N, C, H, W] (the DCGAN D's), or undefined
                        // (read by feature matching, InfoGAN's Q and the linear probe)
};

struct DLossInput {
  const Judgement& real;      // judge(D, real, real_labels)
  const Judgement& fake;      // judge(D, G(latent).detach(), latent.y)
  const Tensor& real_labels;  // [N] i64, -1 = unlabelled; undefined when the data has none
  const Latent& latent;
  nn::Module& D;              // for further judgements (a labelled batch, rotated images)
  const Tensor& real_images;  // [N, C, S, S] as D saw them
  const Tensor& fake_images;  // detached
  int64_t step;               // G steps done so far
  Generator& gen;             // the D step's stream for a system's own draws (WGAN-GP's
                              // interpolation weights): the Trainer's penalty stream, checkpointed
};

struct GLossInput {
  const Judgement& fake;      // judge(D, G(latent), latent.y), with G's graph
  const Judgement& real;      // the last D step's judgement of the real batch, detached
  const Latent& latent;
  nn::Module& D;
  const Tensor& fake_images;  // with G's graph
  int64_t step;
  nn::Module& G;              // the G being trained (a regularizer of G's weights: BigGAN's orthogonal one)
};

// A named number to log (metrics.jsonl: "<name>"): a double known on the
// host, or a [] tensor that the Trainer reads back with the step's other
// numbers in one copy (on a GPU each item() would wait for the device to
// drain: give the tensor, not its item()).
struct Logged {
  Logged(std::string n, double v) : name(std::move(n)), value(v) {}
  Logged(std::string n, Tensor t) : name(std::move(n)), tensor(std::move(t)) {}
  // The number now (a read back for a device tensor: for tests and one-off callers).
  double read() const { return tensor.defined() ? tensor.item() : value; }
  std::string name;
  double value = 0;  // when tensor is undefined
  Tensor tensor;     // [] (detached by the Trainer)
};

// A loss and the named scalars to log with it. Every scalar is checked for
// NaN / Inf with the loss (TrainingDiverged names it).
struct LossOut {
  Tensor loss;  // []
  std::vector<Logged> scalars;
};

class GanSystem {
 public:
  explicit GanSystem(SystemSetup setup) : setup_(std::move(setup)) {}
  virtual ~GanSystem() = default;
  GanSystem(const GanSystem&) = delete;
  GanSystem& operator=(const GanSystem&) = delete;

  // Both built on the CPU from `init` (the Trainer moves them to its device).
  virtual nn::ModulePtr make_generator(Generator& init) = 0;
  virtual nn::ModulePtr make_discriminator(Generator& init) = 0;
  // The latent of n samples drawn from `gen` on `device`; klass >= 0 gives
  // every sample that class (conditional systems; others ignore it).
  virtual Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass = -1) = 0;
  virtual Tensor generate(nn::Module& G, const Latent& latent) = 0;
  // x [N, C, S, S]; y [N] i64 class labels or undefined.
  virtual Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) = 0;
  // Default: the run's adversarial loss (setup().loss) on the adv outputs.
  virtual LossOut d_loss(const DLossInput& in);
  virtual LossOut g_loss(const GLossInput& in);

  // ---- optional hooks ------------------------------------------------------------
  // Needs class labels from the data (an error naming the dataset and the
  // system otherwise), and takes `gan sample --class`.
  virtual bool conditional() const { return false; }
  // Reads labels but trains without them too (semi-supervised: -1 = unlabelled).
  virtual bool uses_labels() const { return conditional(); }
  // Reads the real batch's labels (DLossInput::real_labels, judge's y on reals):
  // the Trainer uploads them each critic step only then. SGAN's labels come
  // from its own labelled batch instead.
  virtual bool reads_batch_labels() const { return uses_labels(); }
  // Builds D for setup().pack and setup().minibatch_stddev (the Trainer packs
  // D's inputs, [N, C, H, W] -> [N / pack, pack * C, H, W]); systems whose D
  // has per-sample heads or inputs (classes, rotations, codes) cannot.
  virtual bool supports_d_remedies() const { return false; }
  // How many values sample_latent's `klass` selects — a conditional system's
  // classes, InfoGAN's categorical code; 0 = none. A sample grid shows one
  // value per row (grid_latent) and `gan sample --class` picks one.
  virtual int64_t latent_classes() const { return conditional() ? setup_.num_classes : 0; }
  // Sets that value of every sample of `l` (klass [N] i64; default: l.y).
  virtual void set_latent_class(Latent& l, const Tensor& klass) { l.y = klass; }
  // Each player's parameters (extra heads: InfoGAN's Q trains with G).
  virtual std::vector<Tensor> g_parameters(nn::Module& G, nn::Module& /*D*/) { return G.parameters(); }
  virtual std::vector<Tensor> d_parameters(nn::Module& /*G*/, nn::Module& D) { return D.parameters(); }
  // The training data, once, before the first step (a semi-supervised system
  // keeps its labelled subset).
  virtual void attach_data(const std::shared_ptr<const Dataset>& /*data*/) {}
  // After each D update (WGAN's weight clipping).
  virtual void after_d_step(nn::Module& /*D*/) {}
  // Real batch -> what D sees (ProGAN's current resolution).
  virtual Tensor prepare_real(const Tensor& x) { return x; }
  // Before each G step's D steps (ProGAN's fade-in schedule); also once when a
  // checkpoint's G is loaded for sampling, with the step the Trainer last
  // passed (trained.h), so a system whose G changes with the step samples as
  // it trained.
  virtual void on_step(int64_t /*step*/) {}
  // Samples of G [N, C, S, S] -> the picture of a sample grid (default: an
  // image grid, nrow per row, 0 = square; 2-D points: a scatter plot).
  virtual io::Image render_samples(const Tensor& samples, int64_t nrow);
  // Every eval interval: named numbers of the system's own (a semi-supervised
  // D's test accuracy), logged to metrics.jsonl.
  virtual std::vector<std::pair<std::string, double>> evaluate(nn::Module& /*G*/, nn::Module& /*D*/) { return {}; }

  const SystemSetup& setup() const { return setup_; }
  const SystemOptions& options() const { return setup_.options; }

 protected:
  SystemSetup setup_;
};

// n class labels [n] i64 uniform over [0, k) from `gen` (klass >= 0: all
// that class), on `device`.
Tensor sample_classes(int64_t n, int64_t k, Generator& gen, Device device, int64_t klass = -1);

// The latent of a sample grid: sample_latent(n), and for systems with latent
// classes (latent_classes() = K > 0: conditional systems, InfoGAN's code) one
// value per grid row (row r shows value r mod K; nrow images a row).
Latent grid_latent(GanSystem& system, int64_t n, int64_t nrow, Generator& gen, Device device);

}  // namespace gan::models
