// `gan eval`: the offline metric suite on a checkpoint's samples, with the
// calibration rows that say what its numbers mean (real-vs-real floor, real
// images corrupted by noise and blur).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config_file.h"
#include "gan/checkpoint.h"
#include "gan/io/atomic_file.h"
#include "gan/models/eval/checkpoint_samples.h"
#include "gan/models/eval/evaluate.h"
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
  bool real_floor = false, calibrate = false;
  std::vector<std::string> sets;  // evaluation-time keys of the checkpoint's system table
};

struct Row {
  std::string name;
  ev::EvalReport report;
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
    Row r{name, ev::evaluate_features(fs, requested.defined() ? &requested : nullptr, ref, opt)};
    std::printf("%s\n", ev::format_table(r.report, name).c_str());
    std::fflush(stdout);
    rows.push_back(std::move(r));
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
      run(a.checkpoint + (trunc.empty() ? "" : " (" + trunc.substr(1) + ")"), s.images, s.requested);
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
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace gan::cli
