// Barrier ping-pong: measures the emulator's cost per fiber switch.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

__global__ void barrier_rounds_kernel(int rounds) {
  for (int r = 0; r < rounds; ++r) __syncthreads();
}

void barrier_rounds(int threads, int rounds) {
  GAN_LAUNCH(1, threads, 0, nullptr, barrier_rounds_kernel)(rounds);
}

}  // namespace gan::simt_test
