#include "gan/build_info.h"

namespace gan {

BuildInfo build_info() {
  BuildInfo b;
  b.version = GAN_VERSION_STRING;
  b.flavour = GAN_FLAVOUR_STRING;
#if defined(__clang__)
  b.compiler = std::string("Clang ") + __clang_version__;
#elif defined(__GNUC__)
  b.compiler = "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
               std::to_string(__GNUC_PATCHLEVEL__);
#endif
  return b;
}

}  // namespace gan
