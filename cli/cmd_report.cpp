#include "commands.h"
namespace gan::cli {
void add_report_command(CLI::App&) {}
}
