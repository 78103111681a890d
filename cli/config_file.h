// Training configs from TOML or JSON files plus `--set key=value` overrides.
#pragma once

#include <string>
#include <vector>

#include "gan/models/trainer.h"

namespace gan::cli {

// Reads a .toml or .json file into `cfg` (keys not in the file keep their value).
// TOML: [system] name = "acgan" selects the GAN system; the table named after
// it ([acgan]) holds the system's own keys; other tables only group run keys
// ([data], [optim], ...), each of which must be a TrainerConfig key. Unknown keys, wrong value types and parse errors name the
// file, the key and (for TOML syntax errors) the line and column.
void load_config_file(const std::string& path, models::TrainerConfig& cfg);

// Applies "key=value" overrides in order; errors name the override.
void apply_overrides(const std::vector<std::string>& sets, models::TrainerConfig& cfg);

}  // namespace gan::cli
