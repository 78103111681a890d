// `gan classifier train`: the fixed recipe that produces the metrics' feature
// extractor (gan/models/eval/classifier.h). Rerunning it with the defaults
// reproduces models/weights/fmnist_classifier.safetensors on the CPU.
#include <cstdio>

#include "commands.h"
#include "gan/models/eval/classifier.h"

namespace gan::cli {

void add_classifier_command(CLI::App& app) {
  auto* cls = app.add_subcommand("classifier", "The feature classifier behind gan eval's metrics");
  cls->require_subcommand(1);
  auto* train = cls->add_subcommand("train", "Train the feature classifier with the fixed recipe");
  train->footer(
      "Example (the committed weights):\n"
      "  gan classifier train --out models/weights/fmnist_classifier.safetensors");
  auto r = std::make_shared<models::eval::ClassifierRecipe>();
  auto out = std::make_shared<std::string>("fmnist_classifier.safetensors");
  train->add_option("--data", r->train_images, "Training images (u8 IDX, gz or plain)")->capture_default_str();
  train->add_option("--labels", r->train_labels, "Training labels (u8 IDX)")->capture_default_str();
  train->add_option("--test-data", r->test_images, "Test images for the reported accuracy")->capture_default_str();
  train->add_option("--test-labels", r->test_labels, "Test labels")->capture_default_str();
  train->add_option("-o,--out", *out, "Weights file to write (safetensors)")->capture_default_str();
  train->add_option("--epochs", r->epochs, "Epochs")->capture_default_str()->check(CLI::PositiveNumber);
  train->add_option("--batch", r->batch, "Batch size")->capture_default_str()->check(CLI::PositiveNumber);
  train->add_option("--lr", r->lr, "Adam learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  train->add_option("--seed", r->seed, "Seed of init, shuffling and flips")->capture_default_str();
  train->add_option("--limit", r->limit, "Use the first N training images only (0: all)")->capture_default_str();
  train->add_option("--device", r->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  train->callback([r, out] {
    std::printf("gan classifier train: %lld epochs, batch %lld, lr %g, seed %llu -> %s\n",
                static_cast<long long>(r->epochs), static_cast<long long>(r->batch), r->lr,
                static_cast<unsigned long long>(r->seed), out->c_str());
    const auto res = models::eval::train_classifier(*r, *out, [](const models::eval::ClassifierProgress& p) {
      if (p.epoch_end) {
        std::printf("epoch %lld done: test accuracy %.2f%%  (%.0f s)\n", static_cast<long long>(p.epoch),
                    100 * p.test_accuracy, p.seconds);
      } else if (p.step % 100 == 0) {
        std::printf("epoch %lld step %4lld/%lld  loss %.4f  train acc %.2f%%  %.0f s\n", static_cast<long long>(p.epoch),
                    static_cast<long long>(p.step), static_cast<long long>(p.steps_per_epoch), p.loss,
                    100 * p.train_accuracy, p.seconds);
      } else {
        return;
      }
      std::fflush(stdout);
    });
    std::printf("test accuracy %.2f%%, %.0f s; wrote %s\nsha256 %s\n", 100 * res.test_accuracy, res.seconds,
                out->c_str(), res.sha256.c_str());
  });
}

}  // namespace gan::cli
