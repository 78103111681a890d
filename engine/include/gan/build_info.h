// What this build of gan is: version and flavour (cpu | cuda | sim).
#pragma once

#include <string>

namespace gan {

struct BuildInfo {
  std::string version;  // "0.1.0"
  std::string flavour;  // "cpu", "cuda" (real kernels) or "sim" (SIMT emulator)
  std::string compiler; // e.g. "GCC 12.2.0"
};

BuildInfo build_info();

}  // namespace gan
