// Private to the Trainer's files (trainer.cpp, train_state.cpp,
// run_outputs.cpp): the state they share and small file helpers.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gan/models/run_monitor.h"
#include "gan/models/trainer.h"

namespace gan::models {

struct Trainer::State {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::ofstream metrics;
  std::string last_checkpoint;     // path of the last checkpoint written or resumed from
  std::shared_ptr<const Dataset> data;
  Tensor fake;                     // G(latent) of the last critic step, with G's graph, for the G step
  Latent latent;                   // that step's latent
  Judgement real_judgement;        // that step's judgement of the real batch, detached
  // ADA: each critic step's sum of sign(D(real)) and its count, filled by the
  // step's read back and handed to the Augmenter after it (std::deque: the
  // read back keeps pointers to the elements).
  std::deque<std::pair<double, int64_t>> ada_signs;
  bool resumed = false;            // metrics append to the resumed run's record, else start afresh
  std::unique_ptr<RunMonitor> monitor;
};

// create_directories with an error that names the folder (unwritable, a file in the way).
inline void ensure_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  GAN_CHECK(!ec && std::filesystem::is_directory(dir), "cannot create output folder ", dir.string(), ": ",
            ec ? ec.message() : std::string("a file of that name is in the way"));
}

inline void ensure_parent(const std::string& path) { ensure_dir(std::filesystem::path(path).parent_path()); }

}  // namespace gan::models
