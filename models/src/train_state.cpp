// Checkpoints of the generic Trainer (trainer.h) and exact resume, and
// load_trained_generator (trained.h). A checkpoint is one safetensors file:
//   tensors   G.*, D.*, G_ema.* (module state), opt_G.*, opt_D.* (optimizer
//             state), fixed_noise [n, z_dim], fixed_labels [n] (conditional)
//   metadata  format, step, config (JSON with the system's table), system,
//             num_classes, rng.{init,noise,penalty,augment} "seed offset",
//             loader.{epoch,index,rng}, run_seconds, and with augmentation
//             augment.{p,rt,sign_sum,sign_count,steps} (ADA's controller)
// written atomically (temp file + rename), so a crash never leaves half a file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/io/atomic_file.h"
#include "gan/models/registry.h"
#include "gan/models/trained.h"
#include "trainer_state.h"

namespace gan::models {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kCheckpointFormat = "gan-trainer/2";
// The first checkpoints, written when DCGAN was the only system: a flat config.
constexpr const char* kLegacyFormat = "gan-dcgan-trainer/1";

// 17 significant digits: a double survives the text round trip exactly.
std::string double_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
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

int64_t meta_int_or(const std::map<std::string, std::string>& meta, const std::string& key, int64_t fallback) {
  const auto it = meta.find(key);
  return it == meta.end() ? fallback : std::stoll(it->second);
}

// Reads a checkpoint written by Trainer::save_checkpoint (format checked).
TensorFile read_checkpoint(const std::string& path) {
  TensorFile f;
  try {
    f = load_tensors(path);
  } catch (const io::FormatError& e) {
    throw Error(std::string("checkpoint: ") + e.what());
  }
  const auto it = f.metadata.find("format");
  GAN_CHECK(it != f.metadata.end() && (it->second == kCheckpointFormat || it->second == kLegacyFormat),
            "checkpoint ", path, ": not a gan trainer checkpoint (metadata 'format' should be '", kCheckpointFormat,
            "')");
  return f;
}

TrainerConfig checkpoint_config(const TensorFile& f, const std::string& path) {
  try {
    return config_from_json(meta_at(f.metadata, "config"));
  } catch (const Error& e) {
    throw Error(detail::concat("checkpoint ", path, ": its config: ", e.what()));
  }
}

}  // namespace

std::string Trainer::checkpoint_path() const { return (fs::path(cfg_.out_dir) / "checkpoint.safetensors").string(); }

void Trainer::save_checkpoint(const std::string& path) const {
  NamedTensors all;
  append_module_state(all, "G.", *G_);
  append_module_state(all, "D.", *D_);
  if (G_ema_) append_module_state(all, "G_ema.", *G_ema_);
  append_optimizer_state(all, "opt_G.", *opt_g_);
  append_optimizer_state(all, "opt_D.", *opt_d_);
  all.emplace_back("fixed_noise", fixed_latent_.z);
  if (fixed_latent_.y.defined()) all.emplace_back("fixed_labels", fixed_latent_.y);
  if (fixed_latent_.c.defined()) all.emplace_back("fixed_codes", fixed_latent_.c);
  const LoaderState ls = loader_->state();
  const double elapsed = elapsed_base_ + std::chrono::duration<double>(Clock::now() - state_->start).count();
  std::map<std::string, std::string> meta = {
      {"format", kCheckpointFormat},
      {"step", std::to_string(step_)},
      {"config", config_to_json(cfg_, -1)},
      {"system", cfg_.system},
      {"num_classes", std::to_string(system_->setup().num_classes)},
      {"rng.init", rng_str(init_gen_)},
      {"rng.noise", rng_str(noise_gen_)},
      {"rng.penalty", rng_str(penalty_gen_)},
      {"loader.epoch", std::to_string(ls.epoch)},
      {"loader.index", std::to_string(ls.index)},
      {"loader.rng", std::to_string(ls.gen_seed) + " " + std::to_string(ls.gen_offset)},
      {"run_seconds", std::to_string(elapsed)},
      {"rng.augment", rng_str(augment_gen_)},
  };
  if (augment_)
    for (const auto& [k, v] : augment_->state()) meta["augment." + k] = double_str(v);
  ensure_parent(path);
  save_tensors(path, all, meta);  // atomic: temp file + rename
  state_->last_checkpoint = path;
}

void Trainer::resume(const std::string& path) {
  const TensorFile f = read_checkpoint(path);
  const TrainerConfig saved = checkpoint_config(f, path);
  auto same = [&](const std::string& key, const auto& a, const auto& b) {
    GAN_CHECK(a == b, "resume ", path, ": config key '", key, "' is ", b, " in the checkpoint but ", a,
              " in this run");
  };
  same("system", cfg_.system, saved.system);
  same("image_size", cfg_.image_size, saved.image_size);
  same("channels", cfg_.channels, saved.channels);
  same("optimizer", cfg_.optimizer, saved.optimizer);
  same("pack", cfg_.pack, saved.pack);  // D's input and last layer
  same("minibatch_stddev", cfg_.minibatch_stddev, saved.minibatch_stddev);
  // The system's table shapes its nets: every key must agree.
  const SystemOptions& a = cfg_.system_options;
  for (size_t i = 0; i < a.specs().size(); ++i)
    same(cfg_.system + "." + a.specs()[i].key, a.values()[i], saved.system_options.values()[i]);
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
  if (noise.shape() == fixed_latent_.z.shape()) fixed_latent_.z.copy_(noise);
  rng_restore(init_gen_, f.metadata, "rng.init");
  rng_restore(noise_gen_, f.metadata, "rng.noise");
  rng_restore(penalty_gen_, f.metadata, "rng.penalty");
  // Checkpoints from before augmentation existed have neither: they ran without it.
  if (f.metadata.count("rng.augment")) rng_restore(augment_gen_, f.metadata, "rng.augment");
  if (augment_) {
    std::vector<std::pair<std::string, double>> st;
    for (const auto& [k, v] : augment_->state())
      if (f.metadata.count("augment." + k)) st.emplace_back(k, std::stod(meta_at(f.metadata, "augment." + k)));
    augment_->restore(st);
  }
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

// ---- sampling from a checkpoint ------------------------------------------------------

TrainedGenerator load_trained_generator(const std::string& path, bool ema, const ConfigEdit& edit) {
  const TensorFile f = read_checkpoint(path);
  TrainedGenerator t;
  t.config = checkpoint_config(f, path);
  if (edit) edit(t.config);
  t.num_classes = meta_int_or(f.metadata, "num_classes", 0);
  t.step = meta_int(f.metadata, "step");
  t.system = make_system(t.config, t.num_classes);
  // The system as the Trainer left it: its last on_step was for the step
  // before the checkpoint's (a growing G's stage, ProGAN's fade-in).
  t.system->on_step(std::max<int64_t>(t.step - 1, 0));
  Generator gen(t.config.seed);
  t.G = t.system->make_generator(gen);
  const bool has_ema = !strip_prefix("G_ema.", f.tensors).empty();
  load_module_state(f.tensors, ema && has_ema ? "G_ema." : "G.", *t.G);
  t.G->eval();
  return t;
}

Latent TrainedGenerator::sample_latent(int64_t n, Generator& gen, int64_t klass) const {
  if (klass >= 0) {
    const int64_t k = system->latent_classes();
    GAN_CHECK(k > 0, "--class ", klass, ": system '", config.system,
              "' is not conditional and has no categorical code");
    GAN_CHECK(klass < k, "--class ", klass, " is out of range: system '", config.system,
              conditional() ? "' was trained on " : "' has a categorical code of ", k,
              conditional() ? " classes" : " values", " (0 .. ", k - 1, ")");
  }
  return system->sample_latent(n, gen, Device::cpu(), klass);
}

Tensor TrainedGenerator::generate(const Latent& latent) const {
  NoGradGuard ng;
  return system->generate(*G, latent);
}

}  // namespace gan::models
