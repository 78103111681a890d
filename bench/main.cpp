// gan_bench: Google Benchmark suites of the kernels. Each suite adds the device
// it measured to the context header; CUDA suites skip with a reason when no GPU.
#include <benchmark/benchmark.h>

#include "gan/build_info.h"

int main(int argc, char** argv) {
  const gan::BuildInfo b = gan::build_info();
  benchmark::AddCustomContext("gan", b.version + " (" + b.flavour + " flavour, " + b.compiler + ")");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
