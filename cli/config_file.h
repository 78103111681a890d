// Training configs from TOML or JSON files plus `--set key=value` overrides.
#pragma once

#include <string>
#include <vector>

#include "gan/models/trainer.h"

namespace gan::cli {

// Reads a .toml or .json file into `cfg` (keys not in the file keep their value).
// TOML tables only group keys ([model], [optim], ...): the key inside must be a
// TrainerConfig key. Unknown keys, wrong value types and parse errors name the
// file, the key and (for TOML syntax errors) the line and column.
void load_config_file(const std::string& path, models::TrainerConfig& cfg);

// Applies "key=value" overrides in order; errors name the override.
void apply_overrides(const std::vector<std::string>& sets, models::TrainerConfig& cfg);

}  // namespace gan::cli
