// Subcommands of the `gan` executable; each adds itself to the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace gan::cli {

void add_info_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_interpolate_command(CLI::App& app);
void add_systems_command(CLI::App& app);
void add_classifier_command(CLI::App& app);  // cmd_classifier.cpp
void add_eval_command(CLI::App& app);        // cmd_eval.cpp
void add_report_command(CLI::App& app);      // cmd_report.cpp
void add_attention_command(CLI::App& app);   // cmd_attention.cpp
void add_zoo_command(CLI::App& app);         // cmd_zoo.cpp

}  // namespace gan::cli
