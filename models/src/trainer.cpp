// The DCGAN adversarial loop of trainer.h: D and G steps, EMA, monitoring,
// sample grids, checkpoints and exact resume.
#include "gan/models/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/io/atomic_file.h"
#include "gan/ops.h"
#include "gan/optim/adam.h"
#include "gan/optim/ema.h"
#include "gan/optim/rmsprop.h"

namespace gan::models {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kCheckpointFormat = "gan-dcgan-trainer/1";

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

// Global L2 norm of the parameters' gradients (accumulated in double, on the
// host: a DCGAN's gradients are a few MB, and the host sum is the same number
// on every device).
double grad_norm(const std::vector<Tensor>& params) {
  double ss = 0;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.device().is_cpu()) g = g.detach().to(Device::cpu());
    if (g.dtype() == DType::f32) {
      const float* d = g.data<float>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) ss += double(d[i]) * double(d[i]);
    } else {
      for (double v : g.to_double_vector()) ss += v * v;
    }
  }
  return std::sqrt(ss);
}

double mean_output(const Tensor& logits, bool sigmoid) {
  NoGradGuard ng;
  return ops::mean(sigmoid ? ops::sigmoid(logits) : logits).item();
}

std::string rng_str(const Generator& g) { return std::to_string(g.seed()) + " " + std::to_string(g.offset()); }

void rng_restore(Generator& g, const std::map<std::string, std::string>& meta, const std::string& key) {
  const auto it = meta.find(key);
  GAN_CHECK(it != meta.end(), "checkpoint metadata has no '", key, "'");
  std::istringstream in(it->second);
  uint64_t seed = 0, offset = 0;
  GAN_CHECK(static_cast<bool>(in >> seed >> offset), "checkpoint metadata '", key, "': bad value '", it->second, "'");
  g.set_state(seed, offset);
}

const std::string& meta_at(const std::map<std::string, std::string>& meta, const std::string& key) {
  const auto it = meta.find(key);
  GAN_CHECK(it != meta.end(), "checkpoint metadata has no '", key, "'");
  return it->second;
}

int64_t meta_int(const std::map<std::string, std::string>& meta, const std::string& key) {
  return std::stoll(meta_at(meta, key));
}

// create_directories with an error that names the folder (unwritable, a file in the way).
void ensure_dir(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  GAN_CHECK(!ec && fs::is_directory(dir), "cannot create output folder ", dir.string(), ": ",
            ec ? ec.message() : std::string("a file of that name is in the way"));
}

void ensure_parent(const std::string& path) { ensure_dir(fs::path(path).parent_path()); }

// Reads a checkpoint written by Trainer::save_checkpoint (format checked).
TensorFile read_checkpoint(const std::string& path) {
  TensorFile f;
  try {
    f = load_tensors(path);
  } catch (const io::FormatError& e) {
    throw Error(std::string("checkpoint: ") + e.what());
  }
  const auto it = f.metadata.find("format");
  GAN_CHECK(it != f.metadata.end() && it->second == kCheckpointFormat, "checkpoint ", path,
            ": not a DCGAN trainer checkpoint (metadata 'format' should be '", kCheckpointFormat, "')");
  return f;
}

}  // namespace

// ---- divergence -------------------------------------------------------------------

TrainingDiverged::TrainingDiverged(std::string q, int64_t s, double value, const std::string& checkpoint)
    : Error(detail::concat("training diverged at step ", s, ": ", q, " is ", value, " (last good checkpoint: ",
                           checkpoint.empty() ? std::string("none written") : checkpoint, ")")),
      quantity(std::move(q)),
      step(s) {}

// ---- construction -----------------------------------------------------------------

struct Trainer::State {
  Clock::time_point start = Clock::now();
  std::ofstream metrics;
  std::string last_checkpoint;  // path of the last checkpoint written or resumed from
  Tensor fake;                  // G(z) of the last critic step, reused by the G step
  bool resumed = false;         // metrics append to the resumed run's record, else start afresh
};

Trainer::Trainer(TrainerConfig cfg) : cfg_(std::move(cfg)) {
  validate_config(cfg_);
  init(std::make_shared<const Dataset>(load_dataset(cfg_.dataset, cfg_.image_size, cfg_.channels, cfg_.dataset_limit)));
}

Trainer::Trainer(TrainerConfig cfg, std::shared_ptr<const Dataset> data) : cfg_(std::move(cfg)) {
  validate_config(cfg_);
  GAN_CHECK(data && data->size() > 0, "Trainer: empty dataset");
  GAN_CHECK(data->channels() == cfg_.channels && data->height() == cfg_.image_size &&
                data->width() == cfg_.image_size,
            "Trainer: dataset images ", shape_str(data->images.shape()), " do not match channels ", cfg_.channels,
            " and image_size ", cfg_.image_size);
  init(std::move(data));
}

Trainer::~Trainer() = default;

void Trainer::init(std::shared_ptr<const Dataset> data) {
  GAN_CHECK(cfg_.batch <= data->size(), "config key 'batch': ", cfg_.batch, " is larger than the dataset (",
            data->size(), " images)");
  ensure_dir(cfg_.out_dir);  // fail before any work when the output folder is unusable
  state_ = std::make_unique<State>();
  // One stream per purpose, so changing one (say n_critic) never shifts the others.
  init_gen_.set_state(cfg_.seed, 0);
  noise_gen_.set_state(cfg_.seed + 1, 0);
  penalty_gen_.set_state(cfg_.seed + 2, 0);
  Generator sample_gen(cfg_.seed + 4);

  const DcganOptions mo = dcgan_options(cfg_);
  // Initialized on the CPU (the same weights whatever the device), then moved.
  G_ = std::make_shared<DcganGenerator>(mo, init_gen_);
  D_ = std::make_shared<DcganDiscriminator>(mo, init_gen_);
  if (cfg_.ema_decay > 0) {
    Generator scratch(cfg_.seed);
    G_ema_ = std::make_shared<DcganGenerator>(mo, scratch);
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
  opt_g_ = make_optimizer(cfg_, G_->parameters(), cfg_.lr_g);
  opt_d_ = make_optimizer(cfg_, D_->parameters(), cfg_.lr_d);
  loader_ = std::make_unique<Loader>(std::move(data), cfg_.batch, cfg_.seed + 3);
  fixed_noise_ = Tensor::randn({cfg_.sample_count, cfg_.z_dim}, sample_gen);
}

DcganGenerator& Trainer::sampling_generator() { return G_ema_ ? *G_ema_ : *G_; }

// ---- one step ----------------------------------------------------------------------

void Trainer::check_finite(const char* quantity, double v) const {
  if (!std::isfinite(v)) throw TrainingDiverged(quantity, step_ + 1, v, state_->last_checkpoint);
}

// One D update on a real batch and fakes of fresh noise (detached). The fakes of
// the last critic step keep their graph for the G step (one G forward per step,
// as the PyTorch DCGAN example).
void Trainer::d_step(StepStats& s, bool last) {
  const Batch batch = loader_->next();
  const Tensor real = batch.images.to(device_);  // [B, C, S, S]
  const Tensor z = Tensor::randn({real.size(0), cfg_.z_dim}, noise_gen_, Options{}.with(device_));
  {
    autograd::EnableGradGuard eg(last);  // earlier critic steps need no graph of G
    state_->fake = (*G_)(z);
  }

  opt_d_->zero_grad();
  const Tensor fake = state_->fake.detach();
  const Tensor d_real = (*D_)(real), d_fake = (*D_)(fake);
  Tensor loss = d_loss(cfg_.loss, d_real, d_fake);
  s.penalty = 0;
  if (cfg_.gp_weight > 0) {
    const Tensor gp = gradient_penalty(*D_, real, fake, penalty_gen_);
    s.penalty = gp.item();
    loss = loss + cfg_.gp_weight * gp;
  }
  if (cfg_.r1_weight > 0) {
    const Tensor r1 = r1_penalty(*D_, real);
    s.penalty = r1.item();
    loss = loss + 0.5 * cfg_.r1_weight * r1;
  }
  s.loss_d = loss.item();
  check_finite("penalty", s.penalty);
  check_finite("loss_d", s.loss_d);
  loss.backward();
  s.grad_norm_d = grad_norm(D_->parameters());
  check_finite("grad_norm_d", s.grad_norm_d);
  opt_d_->step();
  if (cfg_.clip_value > 0) clip_weights(*D_, cfg_.clip_value);
  const bool sig = loss_uses_logits(cfg_.loss);
  s.d_real = mean_output(d_real, sig);
  s.d_fake = mean_output(d_fake, sig);
}

void Trainer::g_step(StepStats& s) {
  opt_g_->zero_grad();
  const Tensor loss = g_loss(cfg_.loss, (*D_)(state_->fake));
  s.loss_g = loss.item();
  check_finite("loss_g", s.loss_g);
  loss.backward();
  state_->fake = Tensor();  // frees the graph
  s.grad_norm_g = grad_norm(G_->parameters());
  check_finite("grad_norm_g", s.grad_norm_g);
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
  for (int64_t i = 0; i < cfg_.n_critic; ++i) d_step(s, i + 1 == cfg_.n_critic);
  g_step(s);
  ++step_;
  update_ema();
  s.step_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.elapsed_seconds = std::chrono::duration<double>(Clock::now() - state_->start).count();
  s.run_seconds = elapsed_base_ + s.elapsed_seconds;

  if (cfg_.log_every > 0 && step_ % cfg_.log_every == 0) write_metrics(s);
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
  if (any) write_samples((fs::path(cfg_.out_dir) / "samples" / "final.png").string());
}

// ---- outputs ------------------------------------------------------------------------

void Trainer::write_metrics(const StepStats& s) {
  if (!state_->metrics.is_open()) {
    ensure_dir(cfg_.out_dir);
    const std::string path = (fs::path(cfg_.out_dir) / "metrics.jsonl").string();
    state_->metrics.open(path, state_->resumed ? std::ios::app : std::ios::trunc);
    GAN_CHECK(state_->metrics.good(), "cannot write metrics to ", path);
  }
  nlohmann::ordered_json j = {{"step", s.step},
                              {"loss_d", s.loss_d},
                              {"loss_g", s.loss_g},
                              {"d_real", s.d_real},
                              {"d_fake", s.d_fake},
                              {"grad_norm_d", s.grad_norm_d},
                              {"grad_norm_g", s.grad_norm_g},
                              {"step_seconds", s.step_seconds},
                              {"run_seconds", s.run_seconds}};
  if (cfg_.gp_weight > 0 || cfg_.r1_weight > 0) j["penalty"] = s.penalty;
  state_->metrics << j.dump() << "\n";
  state_->metrics.flush();
}

void Trainer::write_samples(const std::string& path) const {
  DcganGenerator& g = G_ema_ ? *G_ema_ : *G_;
  const bool was_training = g.is_training();
  g.eval();
  Tensor images;
  {
    NoGradGuard ng;
    images = g(fixed_noise_.to(device_)).to(Device::cpu());
  }
  g.train(was_training);
  ensure_parent(path);
  io::write_png(path, make_image_grid(images));
}

void Trainer::write_config_json(const std::string& path) const {
  ensure_parent(path);
  io::write_file_atomic(path, config_to_json(cfg_) + "\n");
}

std::string Trainer::checkpoint_path() const { return (fs::path(cfg_.out_dir) / "checkpoint.safetensors").string(); }

void Trainer::save_checkpoint(const std::string& path) const {
  NamedTensors all;
  append_module_state(all, "G.", *G_);
  append_module_state(all, "D.", *D_);
  if (G_ema_) append_module_state(all, "G_ema.", *G_ema_);
  append_optimizer_state(all, "opt_G.", *opt_g_);
  append_optimizer_state(all, "opt_D.", *opt_d_);
  all.emplace_back("fixed_noise", fixed_noise_);
  const LoaderState ls = loader_->state();
  const double elapsed = elapsed_base_ + std::chrono::duration<double>(Clock::now() - state_->start).count();
  const std::map<std::string, std::string> meta = {
      {"format", kCheckpointFormat},
      {"step", std::to_string(step_)},
      {"config", config_to_json(cfg_, -1)},
      {"rng.init", rng_str(init_gen_)},
      {"rng.noise", rng_str(noise_gen_)},
      {"rng.penalty", rng_str(penalty_gen_)},
      {"loader.epoch", std::to_string(ls.epoch)},
      {"loader.index", std::to_string(ls.index)},
      {"loader.rng", std::to_string(ls.gen_seed) + " " + std::to_string(ls.gen_offset)},
      {"run_seconds", std::to_string(elapsed)},
  };
  ensure_parent(path);
  save_tensors(path, all, meta);  // atomic: temp file + rename
  state_->last_checkpoint = path;
}

void Trainer::resume(const std::string& path) {
  const TensorFile f = read_checkpoint(path);
  const TrainerConfig saved = config_from_json(meta_at(f.metadata, "config"));
  auto same = [&](const char* key, auto a, auto b) {
    GAN_CHECK(a == b, "resume ", path, ": config key '", key, "' is ", b, " in the checkpoint but ", a,
              " in this run");
  };
  same("image_size", cfg_.image_size, saved.image_size);
  same("channels", cfg_.channels, saved.channels);
  same("z_dim", cfg_.z_dim, saved.z_dim);
  same("features_g", cfg_.features_g, saved.features_g);
  same("features_d", cfg_.features_d, saved.features_d);
  same("optimizer", cfg_.optimizer, saved.optimizer);
  GAN_CHECK((cfg_.ema_decay > 0) == (saved.ema_decay > 0), "resume ", path,
            ": config key 'ema_decay' enables the EMA in one of the checkpoint and this run but not the other");

  load_module_state(f.tensors, "G.", *G_);
  load_module_state(f.tensors, "D.", *D_);
  if (G_ema_) load_module_state(f.tensors, "G_ema.", *G_ema_);
  load_optimizer_state(f.tensors, "opt_G.", *opt_g_);
  load_optimizer_state(f.tensors, "opt_D.", *opt_d_);
  opt_g_->set_lr(cfg_.lr_g);  // this run's learning rates win (same values on an exact resume)
  opt_d_->set_lr(cfg_.lr_d);
  const Tensor noise = f.at("fixed_noise");
  if (noise.shape() == fixed_noise_.shape()) fixed_noise_.copy_(noise);
  rng_restore(init_gen_, f.metadata, "rng.init");
  rng_restore(noise_gen_, f.metadata, "rng.noise");
  rng_restore(penalty_gen_, f.metadata, "rng.penalty");
  Generator lg;
  rng_restore(lg, f.metadata, "loader.rng");
  loader_->set_state({meta_int(f.metadata, "loader.epoch"), meta_int(f.metadata, "loader.index"), lg.seed(),
                      lg.offset()});
  step_ = meta_int(f.metadata, "step");
  elapsed_base_ = std::stod(meta_at(f.metadata, "run_seconds"));
  state_->start = Clock::now();
  state_->last_checkpoint = path;
  state_->resumed = true;

  // Drop metric lines past the checkpoint (a run that died after it), so the
  // record reads as one run.
  const fs::path mpath = fs::path(cfg_.out_dir) / "metrics.jsonl";
  if (fs::exists(mpath)) {
    std::ifstream in(mpath);
    std::string line, kept;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("step") && j["step"].get<int64_t>() <= step_) kept += line + "\n";
    }
    in.close();
    io::write_file_atomic(mpath.string(), kept);
  }
}

std::shared_ptr<DcganGenerator> load_generator(const std::string& path, bool ema, TrainerConfig* config_out) {
  const TensorFile f = read_checkpoint(path);
  const TrainerConfig cfg = config_from_json(meta_at(f.metadata, "config"));
  Generator gen(cfg.seed);
  auto G = std::make_shared<DcganGenerator>(dcgan_options(cfg), gen);
  const bool has_ema = !strip_prefix("G_ema.", f.tensors).empty();
  load_module_state(f.tensors, ema && has_ema ? "G_ema." : "G.", *G);
  G->eval();
  if (config_out) *config_out = cfg;
  return G;
}

}  // namespace gan::models
