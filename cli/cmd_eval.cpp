// `gan eval`: the offline metric suite on a checkpoint's samples, with the
// calibration rows that say what its numbers mean (real-vs-real floor, real
// images corrupted by noise and blur).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config_file.h"
#include "gan/checkpoint.h"
#include "gan/io/atomic_file.h"
#include "gan/models/eval/checkpoint_samples.h"
#include "gan/models/eval/evaluate.h"
#include "gan/models/eval/memorization.h"
#include "gan/models/trained.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"

namespace gan::cli {

namespace {

namespace ev = models::eval;

struct EvalArgs {
  std::string checkpoint, json, split = "t10k", classifier, features_out, device = "cpu";
  int64_t n = 10000, kid_subsets = 100, latents = 0;
  uint64_t seed = 0;
  double truncation = 0;
  int64_t standing_stats = 0;
  bool real_floor = false, calibrate = false, memorization = false;
  std::vector<std::string> sets;  // evaluation-time keys of the checkpoint's system table
};

// --memorization: the checkpoint's samples against m of the images its run
// trained on and m held-out images of the other Fashion-MNIST split (m = the
// training set's size, at most n), in the classifier's features. With a small
// training set the held-out draw dominates the noise, so it is repeated
// (kHeldOutDraws seeded draws) and the mean and sd over draws are reported.
struct MemorizationResult {
  ev::MemorizationReport mean;  // each field averaged over the draws
  double closer_sd = 0;         // sd of closer_to_train over the draws
  int64_t draws = 0;
};

MemorizationResult memorization_row(const std::string& checkpoint, const ev::LoadedClassifier& clf,
                                    const ev::FeatureSet& fake, int64_t n, uint64_t seed, int64_t batch) {
  constexpr int64_t kHeldOutDraws = 10;
  const models::TrainerConfig cfg = models::load_trained_generator(checkpoint).config;
  const models::Dataset train = models::load_training_data(cfg);
  GAN_CHECK(train.images.dim() == 4, "eval --memorization: the run trained on '", cfg.dataset,
            "', which holds no images (", shape_str(train.images.shape()), ")");
  const std::string held_split = cfg.dataset.find("t10k") != std::string::npos ? "train" : "t10k";
  const models::Dataset held = ev::load_real_split(held_split);
  const int64_t m = std::min({train.size(), held.size(), n});
  const Tensor tf = ev::extract_features(*clf.net, ev::draw_images(train, m, seed + 3), batch).features;
  MemorizationResult res;
  res.draws = kHeldOutDraws;
  std::vector<double> closer;
  ev::MemorizationReport& a = res.mean;
  for (int64_t k = 0; k < kHeldOutDraws; ++k) {
    const Tensor hf = ev::extract_features(*clf.net, ev::draw_images(held, m, seed + 4 + static_cast<uint64_t>(k)),
                                           batch).features;
    const ev::MemorizationReport r = ev::memorization(fake.features, tf, hf);
    a.n_fake = r.n_fake;
    a.n_train = r.n_train;
    a.n_heldout = r.n_heldout;
    closer.push_back(r.closer_to_train);
    a.closer_to_train += r.closer_to_train / kHeldOutDraws;
    a.median_nn_ratio += r.median_nn_ratio / kHeldOutDraws;
    a.median_nn_train += r.median_nn_train / kHeldOutDraws;
    a.median_nn_heldout += r.median_nn_heldout / kHeldOutDraws;
  }
  double ss = 0;
  for (double c : closer) ss += (c - a.closer_to_train) * (c - a.closer_to_train);
  res.closer_sd = std::sqrt(ss / static_cast<double>(kHeldOutDraws - 1));
  std::printf("memorization: %lld samples vs %lld training images of %s and %lld held-out images of %s "
              "(%lld draws):\n"
              "  closer to a training image than to a held-out one: %.3f +- %.3f (0.5: no preference, 1: copies)\n"
              "  median nearest distance train / held-out: %.3f / %.3f, median ratio %.3f\n",
              static_cast<long long>(a.n_fake), static_cast<long long>(a.n_train), cfg.dataset.c_str(),
              static_cast<long long>(a.n_heldout), held_split.c_str(), static_cast<long long>(res.draws),
              a.closer_to_train, res.closer_sd, a.median_nn_train, a.median_nn_heldout, a.median_nn_ratio);
  return res;
}

struct Row {
  std::string name;
  ev::EvalReport report;
  std::optional<MemorizationResult> memorization;  // --memorization, the checkpoint's row
};

void write_features(const std::string& path, const ev::RealReference& ref, const ev::FeatureSet& fake,
                    const std::string& what) {
  save_tensors(path,
               {{"real", ref.real.features.to(Device::cpu())},
                {"fake", fake.features.to(Device::cpu())},
                {"fake_probs", fake.probs}},
               {{"split", ref.split}, {"extractor_sha256", ref.extractor_sha256},
                {"seed", std::to_string(ref.seed)}, {"fake", what}});
  std::printf("wrote features (real %lld, fake %lld) to %s\n", static_cast<long long>(ref.n()),
              static_cast<long long>(fake.size()), path.c_str());
}

// A threshold as the user would write it: 0.5, 0.25, 2.
std::string fmt_threshold(double t) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", t);
  return b;
}

void run_eval(const EvalArgs& a) {
  GAN_CHECK(a.truncation == 0 || !a.checkpoint.empty(), "eval: --truncation applies to a checkpoint's samples: give --checkpoint FILE");
  GAN_CHECK(a.standing_stats == 0 || !a.checkpoint.empty(),
            "eval: --standing-stats applies to a checkpoint's generator: give --checkpoint FILE");
  GAN_CHECK(!a.memorization || (!a.checkpoint.empty() && a.latents == 0),
            "eval: --memorization applies to a checkpoint's own samples: give --checkpoint FILE (without --latents)");
  GAN_CHECK(!a.checkpoint.empty() || a.real_floor || a.calibrate,
            "eval: nothing to do: give --checkpoint FILE, --real-floor or --calibrate");
  GAN_CHECK(a.split == "t10k" || a.split == "train", "eval: --split must be t10k or train, got '", a.split, "'");
  const Device dev = models::resolve_device(a.device);
  const ev::LoadedClassifier clf = ev::load_classifier(a.classifier, dev);
  ev::EvalOptions opt;
  opt.seed = a.seed;
  opt.kid_subsets = a.kid_subsets;
  std::printf("extractor %s (sha256 %s)\nreference: %lld images of %s (seed %llu)\n", clf.path.c_str(),
              clf.sha256.c_str(), static_cast<long long>(a.n), a.split.c_str(),
              static_cast<unsigned long long>(a.seed));
  std::fflush(stdout);
  const ev::RealReference ref = ev::build_real_reference(clf, ev::load_real_split(a.split), a.split, a.n, a.seed);
  std::vector<Row> rows;
  bool features_written = false;
  auto run = [&](const std::string& name, const Tensor& images, const Tensor& requested = {}) {
    const ev::FeatureSet fs = ev::extract_features(*clf.net, images, opt.batch);
    if (!a.features_out.empty() && !features_written) {
      write_features(a.features_out, ref, fs, name);
      features_written = true;
    }
    Row r{name, ev::evaluate_features(fs, requested.defined() ? &requested : nullptr, ref, opt), {}};
    std::printf("%s\n", ev::format_table(r.report, name).c_str());
    std::fflush(stdout);
    rows.push_back(std::move(r));
    return fs;
  };
  if (!a.checkpoint.empty()) {
    std::string trunc = a.truncation > 0 ? " truncation " + fmt_threshold(a.truncation) : "";
    if (a.standing_stats > 0) trunc += " standing stats " + std::to_string(a.standing_stats);
    for (const std::string& s : a.sets) trunc += " " + s;  // the row's name says what was overridden
    ev::SampleOptions so;
    so.device = dev;
    so.truncation = a.truncation;
    so.standing_batches = a.standing_stats;
    so.edit = [&](models::TrainerConfig& c) { apply_overrides(a.sets, c); };
    if (a.latents > 0) {
      // A diversity-starved generator: only `latents` distinct z, each repeated (what a collapsed G emits).
      const Tensor few = ev::sample_from_checkpoint(a.checkpoint, a.latents, a.seed + 1, so).images;
      std::vector<int64_t> idx(static_cast<size_t>(a.n));
      for (int64_t i = 0; i < a.n; ++i) idx[static_cast<size_t>(i)] = i % a.latents;
      run(a.checkpoint + " (" + std::to_string(a.latents) + " latents" + trunc + ")",
          ops::index_select0(few, Tensor::from_data({a.n}, idx).to(few.device())));
    } else {
      const ev::CheckpointSamples s = ev::sample_from_checkpoint(a.checkpoint, a.n, a.seed + 1, so);
      const ev::FeatureSet fs = run(a.checkpoint + (trunc.empty() ? "" : " (" + trunc.substr(1) + ")"), s.images,
                                    s.requested);
      if (a.memorization) rows.back().memorization = memorization_row(a.checkpoint, clf, fs, a.n, a.seed, opt.batch);
    }
  }
  // The other split, drawn with another seed: what two real samples score.
  const std::string other = a.split == "t10k" ? "train" : "t10k";
  if (a.real_floor || a.calibrate) {
    const models::Dataset real = ev::load_real_split(other);
    const Tensor images = ev::draw_images(real, a.n, a.seed + 1);
    if (a.real_floor) run("real floor: " + other + " vs " + a.split, images);
    if (a.calibrate) {
      Generator gen(a.seed + 2);
      for (double s : {0.1, 0.25, 0.5})
        run("corrupted " + other + ": gaussian noise std " + std::to_string(s).substr(0, 4),
            ev::corrupt_images(images, ev::Corruption::noise, s, gen));
      for (double s : {0.5, 1.0, 2.0})
        run("corrupted " + other + ": blur std " + std::to_string(s).substr(0, 3) + " px",
            ev::corrupt_images(images, ev::Corruption::blur, s, gen));
    }
  }
  if (rows.size() > 1) {  // one compact line per row
    std::printf("%-48s %9s %9s %7s %7s %7s %7s %7s %6s\n", "summary", "FCD", "KIDx1e3", "prec", "recall", "dens",
                "cover", "dup", "score");
    for (const Row& r : rows) {
      const auto& m = r.report.manifold;
      std::printf("%-48s %9.3f %9.3f %7.4f %7.4f %7.4f %7.4f %7.4f %6.3f\n", r.name.substr(0, 48).c_str(),
                  r.report.frechet_classifier_distance, 1e3 * r.report.kernel_distance.mean, m.precision, m.recall,
                  m.density, m.coverage, m.near_duplicate_rate, r.report.classes.classifier_score);
    }
  }
  if (!a.json.empty()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const Row& r : rows) {
      nlohmann::ordered_json j;
      j["name"] = r.name;
      const nlohmann::ordered_json report = nlohmann::ordered_json::parse(ev::to_json(r.report));  // outlives items()
      for (const auto& [k, v] : report.items()) j[k] = v;
      if (r.memorization) {
        const ev::MemorizationReport& m = r.memorization->mean;
        j["memorization"] = {{"draws", r.memorization->draws},
                             {"closer_to_train_sd", r.memorization->closer_sd},
                             {"n_fake", m.n_fake},
                             {"n_train", m.n_train},
                             {"n_heldout", m.n_heldout},
                             {"closer_to_train", m.closer_to_train},
                             {"median_nn_ratio", m.median_nn_ratio},
                             {"median_nn_train", m.median_nn_train},
                             {"median_nn_heldout", m.median_nn_heldout}};
      }
      out.push_back(j);
    }
    const std::string text = out.dump(2) + "\n";
    io::write_file_atomic(a.json, text);
    std::printf("wrote %s\n", a.json.c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Offline metrics of a checkpoint's samples (Fréchet classifier distance, KID, ...)");
  cmd->footer(
      "Examples:\n"
      "  gan eval --checkpoint runs/dcgan/checkpoint.safetensors --n 10000 --json metrics.json\n"
      "  gan eval --checkpoint runs/dcgan/checkpoint.safetensors --real-floor   # with the real-vs-real floor\n"
      "  gan eval --real-floor --calibrate --n 10000     # floor + corrupted reals (noise, blur)\n"
      "  gan eval --checkpoint runs/biggan/checkpoint.safetensors --n 5000 --truncation 0.5 --standing-stats 16\n"
      "  gan eval --checkpoint runs/stylegan/checkpoint.safetensors --n 5000 --set stylegan.truncation_psi=0.7\n"
      "  gan eval --checkpoint runs/small/checkpoint.safetensors --n 2000 --memorization   # copies its 200 images?\n"
      "Metrics are measured on the features of the pinned Fashion-MNIST classifier\n"
      "(models/weights/fmnist_classifier.safetensors); they are not Inception numbers.");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint written by gan train")->check(CLI::ExistingFile);
  cmd->add_option("-n,--n", a->n, "Samples per side (real and fake)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--json", a->json, "Write the reports as a JSON array to this file");
  cmd->add_option("--split", a->split, "Reference split of Fashion-MNIST: t10k or train")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the real draw, the latent noise and KID's subsets")->capture_default_str();
  cmd->add_option("--classifier", a->classifier, "Feature classifier weights (default: the pinned file)");
  cmd->add_option("--device", a->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  cmd->add_option("--kid-subsets", a->kid_subsets, "KID subsets")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--latents", a->latents,
                  "Sample from only K distinct latent vectors, repeated (a deliberately collapsed generator)");
  cmd->add_option("--truncation", a->truncation,
                  "Truncation trick on the checkpoint's latents, as gan sample's: redraw entries with |z| > t, t >= "
                  "0.05 (0: off)")
      ->capture_default_str();
  cmd->add_option("--standing-stats", a->standing_stats,
                  "BigGAN's standing statistics: recompute G's batch-norm running statistics over N batches "
                  "of the training noise (the full normal, whatever --truncation) before sampling (0: the checkpoint's)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-s,--set", a->sets,
                  "Override a key of the checkpoint's config before its system is built: key=value (repeatable; "
                  "evaluation-time keys such as stylegan.truncation_psi=0.7)");
  cmd->add_option("--features-out", a->features_out, "Write the first evaluation's features (safetensors)");
  cmd->add_flag("--real-floor", a->real_floor, "Also evaluate real images of the other split (the floor)");
  cmd->add_flag("--calibrate", a->calibrate, "Also evaluate real images corrupted by noise and blur at 3 levels each");
  cmd->add_flag("--memorization", a->memorization,
                "Data copying: are the samples nearer the run's training images than held-out ones of the other split "
                "(equal counts, classifier features)?");
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace gan::cli
