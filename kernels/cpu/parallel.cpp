#include "gan/kernels/cpu_parallel.h"

#include <cblas.h>

#include <mutex>

namespace gan::kernels::cpu {

int num_threads() {
  static const int n = omp_get_max_threads();
  return n;
}

void init_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace gan::kernels::cpu
