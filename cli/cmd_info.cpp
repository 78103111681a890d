// `gan info`: build flavour, devices, and the CPU backend's threads.
#include <cstdio>

#include "commands.h"
#include "gan/build_info.h"
#include "gan/kernels/cpu_parallel.h"

namespace gan::cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print the build flavour, devices and CPU threads");
  cmd->footer("Example:\n  gan info");
  cmd->callback([] {
    const BuildInfo b = build_info();
    std::printf("gan %s\n", b.version.c_str());
    std::printf("flavour:  %s\n", b.flavour.c_str());
    std::printf("compiler: %s\n", b.compiler.c_str());
    std::printf("devices:  cpu (%d threads)%s\n", kernels::cpu::num_threads(),
                b.flavour == "cpu" ? "; no CUDA backend in this build" : "");
  });
}

}  // namespace gan::cli
