// GAN systems by name: `[system] name = "acgan"` in a config selects one;
// `gan systems` lists them all with their papers and keys.
//
// A system registers itself by defining, in its own file
// models/src/systems/<file>.cpp,
//
//   SystemInfo gan_system_<file>();     // e.g. gan_system_acgan()
//
// CMake finds every file of that folder and generates the list that calls
// them (models/src/systems_list.cpp.in), so adding a system edits no other
// file — and the static library keeps every system (no registration by
// static initializers, which a linker drops from an archive).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gan/models/gan_system.h"
#include "gan/models/options.h"

namespace gan::models {

struct SystemInfo {
  std::string name;     // config name: "acgan"
  std::string summary;  // one line
  std::string paper;    // "Odena et al. 2017, Conditional image synthesis with auxiliary classifier GANs"
  std::vector<OptionSpec> options;  // its table's keys, defaults from the paper
  std::function<std::unique_ptr<GanSystem>(SystemSetup)> make;
};

// The system of a config that names none: the default run's DCGAN.
const char* default_system_name();
// Every registered system, sorted by name.
const std::vector<SystemInfo>& systems();
// The system named `name`; unknown -> gan::Error listing the known names.
const SystemInfo& system_info(const std::string& name);
// Its table at the defaults.
SystemOptions default_options(const std::string& name);
// Builds it (setup.options must be of that system's table).
std::unique_ptr<GanSystem> make_system(const std::string& name, SystemSetup setup);

}  // namespace gan::models
