// A loss system that is not tied to one architecture (r3gan, spheregan) runs on
// the DCGAN nets for images and on the 2-D MLP nets for the mixtures: the
// system is a class template over its nets, System<PlainDcgan> or
// System<PlainMlp2d>, and on_data_nets picks one by the data's shape
// (image_size 1 and channels 2 = 2-D points). Both bases are built as
// Nets(setup, system name, D's output width).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mlp2d_nets.h"
#include "system_nets.h"

namespace gan::models::nets {

// Whether the run's data are 2-D points ([N, 2, 1, 1]: the mixtures).
inline bool trains_on_points(const SystemSetup& s) { return s.image_size == 1 && s.channels == 2; }

// The keys of both nets: dcgan_options() (z_dim 100: a 2-D config sets 8) and
// mlp2d_options()' others (hidden, eval_samples, eval_seed, mixture), then `extra`.
std::vector<OptionSpec> image_or_point_options(const std::vector<OptionSpec>& extra);

template <template <class> class System>
std::unique_ptr<GanSystem> on_data_nets(SystemSetup s) {
  if (trains_on_points(s)) return std::make_unique<System<PlainMlp2d>>(std::move(s));
  return std::make_unique<System<PlainDcgan>>(std::move(s));
}

}  // namespace gan::models::nets
