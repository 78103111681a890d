// `gan systems`: every registered GAN system with its paper, a one-line
// summary and its config table's keys with their defaults.
#include <cstdio>

#include "commands.h"
#include "gan/models/registry.h"

namespace gan::cli {

void add_systems_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("systems", "List the GAN systems, their papers and their config keys");
  cmd->footer("Select one in a config with\n  [system]\n  name = \"acgan\"\nand set its keys in its own table,\n"
              "  [acgan]\n  class_weight = 1.0\nor on the command line: --set system=acgan --set acgan.class_weight=2");
  cmd->callback([] {
    for (const models::SystemInfo& s : models::systems()) {
      std::printf("%s%s\n  %s\n  paper: %s\n", s.name.c_str(), s.name == models::default_system_name() ? " (default)" : "",
                  s.summary.c_str(), s.paper.c_str());
      for (const models::OptionSpec& o : s.options)
        std::printf("  [%s] %-18s %-8s = %-14s %s\n", s.name.c_str(), o.key.c_str(), models::option_type_name(o.type),
                    o.default_value.c_str(), o.help.c_str());
      std::printf("\n");
    }
  });
}

}  // namespace gan::cli
