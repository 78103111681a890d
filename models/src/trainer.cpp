// The generic adversarial loop of trainer.h: construction, D and G steps, EMA.
// Checkpoints and resume are in train_state.cpp, metrics and sample grids in
// run_outputs.cpp; everything a GAN system decides is a GanSystem call.
#include "gan/models/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/optim/adam.h"
#include "gan/optim/ema.h"
#include "gan/optim/rmsprop.h"
#include "gan/models/eval/probe.h"
#include "gan/models/report.h"
#include "step_readback.h"
#include "trainer_state.h"

namespace gan::models {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainerConfig& c, std::vector<Tensor> params, double lr) {
  if (c.optimizer == "rmsprop") {
    optim::RMSpropOptions o;
    o.lr = lr;
    return std::make_unique<optim::RMSprop>(std::move(params), o);
  }
  optim::AdamOptions o;
  o.lr = lr;
  o.beta1 = c.beta1;
  o.beta2 = c.beta2;
  return std::make_unique<optim::Adam>(std::move(params), o);
}

// Queues the global L2 norm of the parameters' gradients as `name`. Host
// gradients are summed in double here; device ones as each gradient's sum of
// squares by ops (in its dtype), read back with the step's other numbers.
// Copying the gradients to the host instead (both nets, every step) made a
// DCGAN-28 step on an H200 6.9 ms; reading the sum on its own, 3.75.
void queue_grad_norm(StepReadback& rb, const char* name, const std::vector<Tensor>& params, double* dst) {
  NoGradGuard ng;
  double ss = 0;
  Tensor on_device;  // [] running sum of squares of the device gradients
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.device().is_cpu()) {
      const Tensor sq = ops::sum(ops::mul(g, g));
      on_device = on_device.defined() ? ops::add(on_device, sq.to(on_device.dtype())) : sq;
    } else if (g.dtype() == DType::f32) {
      const float* d = g.data<float>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) ss += double(d[i]) * double(d[i]);
    } else {
      for (double v : g.to_double_vector()) ss += v * v;
    }
  }
  rb.add(name, on_device, dst, /*check=*/true, ss, /*root=*/true);
}

// Turns requires_grad off for D's parameters that the G optimizer does not
// own, restoring it on scope exit. In the G step D is only the path from the
// loss back to G: its parameter gradients would be thrown away by the next
// d_step's zero_grad, and skipping them skips D's weight-gradient convolutions
// (DCGAN-28: 0.8 of the step's ~10 GFLOP).
class FreezeGuard {
 public:
  FreezeGuard(const std::vector<Tensor>& d_params, const std::vector<Tensor>& g_params) {
    for (const Tensor& p : d_params) {
      if (!p.requires_grad()) continue;
      bool owned_by_g = false;
      for (const Tensor& q : g_params) owned_by_g = owned_by_g || q.is_same(p);
      if (owned_by_g) continue;
      frozen_.push_back(p);
      frozen_.back().requires_grad_(false);
    }
  }
  ~FreezeGuard() {
    for (Tensor& p : frozen_) p.requires_grad_(true);
  }
  FreezeGuard(const FreezeGuard&) = delete;
  FreezeGuard& operator=(const FreezeGuard&) = delete;

 private:
  std::vector<Tensor> frozen_;
};

Tensor mean_output(const Tensor& logits, bool sigmoid) {  // []
  NoGradGuard ng;
  return ops::mean(sigmoid ? ops::sigmoid(logits) : logits);
}

Judgement detached(const Judgement& j) {
  auto d = [](const Tensor& t) { return t.defined() ? t.detach() : Tensor(); };
  return {d(j.adv), d(j.class_logits), d(j.features)};
}

}  // namespace

// ---- divergence -------------------------------------------------------------------

TrainingDiverged::TrainingDiverged(std::string q, int64_t s, double value, const std::string& checkpoint)
    : Error(detail::concat("training diverged at step ", s, ": ", q, " is ", value, " (last good checkpoint: ",
                           checkpoint.empty() ? std::string("none written") : checkpoint, ")")),
      quantity(std::move(q)),
      step(s) {}

// ---- construction -----------------------------------------------------------------

Trainer::Trainer(TrainerConfig cfg) : cfg_(std::move(cfg)) {
  validate_config(cfg_);
  init(std::make_shared<const Dataset>(load_training_data(cfg_)));
}

Trainer::Trainer(TrainerConfig cfg, std::shared_ptr<const Dataset> data) : cfg_(std::move(cfg)) {
  validate_config(cfg_);
  GAN_CHECK(data && data->size() > 0, "Trainer: empty dataset");
  GAN_CHECK(data->channels() == cfg_.channels && data->height() == cfg_.image_size &&
                data->width() == cfg_.image_size,
            "Trainer: dataset images ", shape_str(data->images.shape()), " do not match channels ", cfg_.channels,
            " and image_size ", cfg_.image_size);
  if (cfg_.labels_per_class > 0)
    data = std::make_shared<const Dataset>(keep_labels_per_class(*data, cfg_.labels_per_class, cfg_.seed + 5));
  init(std::move(data));
}

Trainer::~Trainer() = default;

void Trainer::init(std::shared_ptr<const Dataset> data) {
  GAN_CHECK(cfg_.batch <= data->size(), "config key 'batch': ", cfg_.batch, " is larger than the dataset (",
            data->size(), " images)");
  ensure_dir(cfg_.out_dir);  // fail before any work when the output folder is unusable
  state_ = std::make_unique<State>();
  system_ = make_system(cfg_, data->num_classes);
  GAN_CHECK(!system_->conditional() || data->labels.defined(), "system '", cfg_.system,
            "' is conditional and needs class labels, but dataset ", data->source,
            " has none (config key 'labels': an IDX label file, or a folder with one subfolder per class)");
  GAN_CHECK(!system_->uses_labels() || data->labels.defined(), "system '", cfg_.system,
            "' reads class labels, but dataset ", data->source, " has none (config key 'labels')");
  GAN_CHECK((cfg_.pack == 1 && cfg_.minibatch_stddev == 0) || system_->supports_d_remedies(),
            "config keys 'pack' / 'minibatch_stddev': system '", cfg_.system,
            "' judges each image with its own label, rotation or code, so its D cannot pack images or pool ",
            "their statistics (only systems whose D has no per-sample head or input can)");
  // One stream per purpose, so changing one (say n_critic) never shifts the others.
  init_gen_.set_state(cfg_.seed, 0);
  noise_gen_.set_state(cfg_.seed + 1, 0);
  penalty_gen_.set_state(cfg_.seed + 2, 0);
  Generator sample_gen(cfg_.seed + 4);
  augment_gen_.set_state(cfg_.seed + 5, 0);
  if (!cfg_.augment.empty()) augment_ = std::make_unique<Augmenter>(augment_config(cfg_), cfg_.batch);

  // Initialized on the CPU (the same weights whatever the device), then moved.
  G_ = system_->make_generator(init_gen_);
  D_ = system_->make_discriminator(init_gen_);
  if (cfg_.ema_decay > 0) {
    Generator scratch(cfg_.seed);
    G_ema_ = system_->make_generator(scratch);  // built twice, then a copy of G
    G_ema_->load_state_dict(G_->state_dict());
    G_ema_->eval();
    for (Tensor& p : G_ema_->parameters()) p.requires_grad_(false);
  }
  device_ = resolve_device(cfg_.device);
  if (!device_.is_cpu()) {
    G_->to(device_);
    D_->to(device_);
    if (G_ema_) G_ema_->to(device_);
  }
  opt_g_ = make_optimizer(cfg_, system_->g_parameters(*G_, *D_), cfg_.lr_g);
  opt_d_ = make_optimizer(cfg_, system_->d_parameters(*G_, *D_), cfg_.lr_d);
  state_->data = data;
  state_->monitor = std::make_unique<RunMonitor>(cfg_, device_);
  system_->attach_data(data);
  loader_ = std::make_unique<Loader>(std::move(data), cfg_.batch, cfg_.seed + 3);
  fixed_latent_ = grid_latent(*system_, cfg_.sample_count, 0, sample_gen, Device::cpu());
}

nn::Module& Trainer::sampling_generator() { return G_ema_ ? *G_ema_ : *G_; }
const Dataset& Trainer::dataset() const { return *state_->data; }

// ---- one step ----------------------------------------------------------------------

// Augmented (augment.h), then packed: [N, C, H, W] -> [N / pack, pack * C, H, W],
// consecutive samples stacked on channels (PacGAN).
Tensor Trainer::for_d(const Tensor& x) {
  const Tensor a = augment_ ? augment_->apply(x, augment_gen_) : x;
  if (cfg_.pack == 1) return a;
  return a.reshape({a.size(0) / cfg_.pack, cfg_.pack * a.size(1), a.size(2), a.size(3)});
}

void Trainer::check_finite(const std::string& quantity, double v) const {
  if (!std::isfinite(v)) throw TrainingDiverged(quantity, step_ + 1, v, state_->last_checkpoint);
}

// One D update on a real batch and fakes of a fresh latent (detached). The
// fakes of the last critic step keep their graph for the G step (one G forward
// per step, as the PyTorch DCGAN example).
void Trainer::d_step(StepStats& s, StepReadback& rb, bool last) {
  const Batch batch = loader_->next();
  const Tensor real_batch = system_->prepare_real(batch.images.to(device_));  // [B, C, S, S]
  // [B] i64, -1 unlabelled; uploaded only for a system that reads them.
  const Tensor labels = batch.labels.defined() && system_->reads_batch_labels() ? batch.labels.to(device_) : Tensor();
  Latent latent = system_->sample_latent(real_batch.size(0), noise_gen_, device_);
  Tensor fake_graph;
  {
    autograd::EnableGradGuard eg(last);  // earlier critic steps need no graph of G
    fake_graph = system_->generate(*G_, latent);
  }

  opt_d_->zero_grad();
  // D sees (augmented) reals and fakes; the penalties and the system's loss see the same.
  const Tensor real = for_d(real_batch);
  const Tensor fake = for_d(fake_graph.detach());
  const Judgement jr = system_->judge(*D_, real, labels);
  const Judgement jf = system_->judge(*D_, fake, latent.y);
  LossOut out = system_->d_loss({jr, jf, labels, latent, *D_, real, fake, step_, penalty_gen_});
  Tensor loss = out.loss;
  // Penalties see D as the system judges: adv(x) with the real labels.
  const auto critic = [&](const Tensor& x) { return system_->judge(*D_, x, labels).adv; };
  s.penalty = 0;
  if (cfg_.gp_weight > 0) {
    const Tensor gp = gradient_penalty(critic, real, fake, penalty_gen_);
    rb.add("penalty", gp, &s.penalty);
    loss = loss + cfg_.gp_weight * gp;
  }
  if (cfg_.r1_weight > 0) {
    const Tensor r1 = r1_penalty(critic, real);
    rb.add("penalty", r1, &s.penalty);
    loss = loss + 0.5 * cfg_.r1_weight * r1;
  }
  rb.add("loss_d", loss, &s.loss_d);
  if (augment_) {
    out.scalars.emplace_back("augment_p", augment_->p());
    if (augment_->adaptive()) out.scalars.emplace_back("ada_rt", augment_->rt());
  }
  for (const Logged& l : out.scalars) rb.add_logged(l, last ? &s.scalars : nullptr);
  loss.backward();
  queue_grad_norm(rb, "grad_norm_d", system_->d_parameters(*G_, *D_), &s.grad_norm_d);
  opt_d_->step();
  if (cfg_.clip_value > 0) clip_weights(*D_, cfg_.clip_value);
  system_->after_d_step(*D_);
  const bool sig = loss_uses_logits(cfg_.loss);
  rb.add("d_real", mean_output(jr.adv, sig), &s.d_real, /*check=*/false);
  rb.add("d_fake", mean_output(jf.adv, sig), &s.d_fake, /*check=*/false);
  {
    NoGradGuard ng;
    rb.add("r_t", ops::mean(ops::sign(jr.adv)), &s.r_t, /*check=*/false);
    if (augment_ && augment_->adaptive()) {
      state_->ada_signs.emplace_back(0.0, jr.adv.numel());
      rb.add("ada_sign_sum", ops::sum(ops::sign(jr.adv)), &state_->ada_signs.back().first, /*check=*/false);
    }
  }
  if (last) {
    state_->fake = std::move(fake_graph);
    state_->latent = std::move(latent);
    state_->real_judgement = detached(jr);
  }
}

void Trainer::g_step(StepStats& s, StepReadback& rb) {
  opt_g_->zero_grad();
  const FreezeGuard freeze_d(system_->d_parameters(*G_, *D_), system_->g_parameters(*G_, *D_));
  const Tensor fake = for_d(state_->fake);  // with G's graph: augmentation is differentiable
  const Judgement jf = system_->judge(*D_, fake, state_->latent.y);
  LossOut out = system_->g_loss({jf, state_->real_judgement, state_->latent, *D_, fake, step_, *G_});
  rb.add("loss_g", out.loss, &s.loss_g);
  for (const Logged& l : out.scalars) rb.add_logged(l, &s.scalars);
  out.loss.backward();
  state_->fake = Tensor();  // frees the graph
  state_->real_judgement = Judgement{};
  queue_grad_norm(rb, "grad_norm_g", system_->g_parameters(*G_, *D_), &s.grad_norm_g);
  opt_g_->step();
}

// ema <- d * ema + (1 - d) * G with d = min(decay, (1 + t) / (10 + t)), as
// torch.lerp(G, ema, d) (optim/ema.h): the warm-up keeps early samples from
// showing the initial weights. Buffers (BN running statistics) are copied.
void Trainer::update_ema() {
  if (!G_ema_) return;
  NoGradGuard ng;
  const double t = static_cast<double>(step_);
  const double d = std::min(cfg_.ema_decay, (1.0 + t) / (10.0 + t));
  // All parameters in one multi-tensor kernel launch per dtype/device (optim/ema.h).
  optim::ema_update(G_ema_->parameters(), G_->parameters(), d);
  const std::vector<Tensor> bsrc = G_->buffers(), bdst = G_ema_->buffers();
  for (size_t i = 0; i < bsrc.size(); ++i) Tensor(bdst[i]).copy_(bsrc[i]);
}

StepStats Trainer::step() {
  const auto t0 = Clock::now();
  StepStats s;
  s.step = step_ + 1;
  system_->on_step(step_);
  StepReadback rb;  // the step's numbers: one read back, then the divergence checks in order
  state_->ada_signs.clear();
  for (int64_t i = 0; i < cfg_.n_critic; ++i) d_step(s, rb, i + 1 == cfg_.n_critic);
  g_step(s, rb);
  rb.read([&](const std::string& quantity, double v) { check_finite(quantity, v); });
  for (const auto& [sum, count] : state_->ada_signs) augment_->observe_real(sum, count);  // p moves between steps
  ++step_;
  update_ema();
  std::vector<std::string> records;  // alarm and metric lines for metrics.jsonl
  auto note = [&](const std::vector<Alarm>& alarms) {
    for (const Alarm& a : alarms) {
      s.alarms.push_back(a.line());
      records.push_back(a.to_json());
    }
  };
  note(state_->monitor->observe_step(s));
  if (cfg_.eval_every > 0 && step_ % cfg_.eval_every == 0) {
    nn::Module& g = sampling_generator();
    const bool was_training = g.is_training();
    g.eval();
    s.evaluation = system_->evaluate(g, *D_);
    if (cfg_.probe_samples > 0) {
      const int64_t fit = cfg_.probe_fit_samples > 0 ? cfg_.probe_fit_samples : cfg_.probe_samples;
      const eval::ProbeResult p =
          eval::discriminator_probe(*system_, *D_, *state_->data, fit, cfg_.probe_samples, cfg_.system, {},
                                    eval::parse_feature_pool(cfg_.probe_pool));
      s.evaluation.emplace_back("probe_accuracy", p.test_accuracy);
      s.evaluation.emplace_back("probe_train_accuracy", p.train_accuracy);
    }
    RunMonitor::Evaluation ev;
    if (state_->monitor->evaluate(*system_, g, step_, ev)) {
      s.metrics_line = ev.line;
      records.push_back(ev.json);
      note(ev.alarms);
    }
    g.train(was_training);
  }
  s.step_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.elapsed_seconds = std::chrono::duration<double>(Clock::now() - state_->start).count();
  s.run_seconds = elapsed_base_ + s.elapsed_seconds;

  if (cfg_.log_every > 0 && (step_ % cfg_.log_every == 0 || !s.evaluation.empty() || !records.empty()))
    write_metrics(s, records);
  if (cfg_.sample_every > 0 && step_ % cfg_.sample_every == 0) {
    char name[64];
    std::snprintf(name, sizeof name, "step_%06lld.png", static_cast<long long>(step_));
    write_samples((fs::path(cfg_.out_dir) / "samples" / name).string());
    s.sampled = true;
  }
  if (cfg_.checkpoint_every > 0 && step_ % cfg_.checkpoint_every == 0) {
    save_checkpoint();
    s.checkpointed = true;
  }
  return s;
}

void Trainer::train(const std::function<void(const StepStats&)>& on_step) {
  ensure_dir(cfg_.out_dir);
  write_config_json((fs::path(cfg_.out_dir) / "config.json").string());
  StepStats s;
  bool any = false;
  while (step_ < cfg_.steps) {
    s = step();
    any = true;
    if (on_step) on_step(s);
  }
  if (any && !s.checkpointed) save_checkpoint();
  if (any) {
    write_samples((fs::path(cfg_.out_dir) / "samples" / "final.png").string());
    if (state_->metrics.is_open()) state_->metrics.flush();
    // No metrics.jsonl (log_every = 0, or a run shorter than log_every that
    // evaluated nothing): nothing to plot, and gan report would call the folder
    // no run; the checkpoint and samples are what such a run is for.
    if (fs::exists(fs::path(cfg_.out_dir) / "metrics.jsonl")) write_report(cfg_.out_dir);
  }
}

std::string Trainer::diagnostics_summary() const { return state_->monitor->summary(); }

}  // namespace gan::models
