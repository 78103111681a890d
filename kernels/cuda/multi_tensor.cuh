// Internal to kernels/cuda/: multi-tensor chunked launches (PyTorch's
// _foreach / apex multi_tensor_apply), used by optim.cu and ema.cu.
//
// A launch updates a list of tensors (entries) with one kernel. The list
// travels as a kernel argument, a ChunkTable: up to kMax entries (each the
// op's Entry struct: pointers, n and per-tensor scalars) and the prefix sums
// of their chunk counts. Each tensor is cut into chunks of kChunk elements;
// block b of the grid serves chunk b - first_chunk[t] of the entry t with
// first_chunk[t] <= b < first_chunk[t + 1] (a binary search over <= kMax
// int32s in the constant bank). Unequal sizes are fine: a 1-element tensor
// costs one (mostly idle) block, a 65537-element one five blocks.
//
// kMax comes from CUDA's 4 KiB kernel-parameter limit: sizeof(Op) +
// sizeof(ChunkTable) <= 4096 (static_assert). More entries than that, or more
// chunks than one grid holds, are split over several launches on the same
// stream (stream order keeps them sequential; entries are independent anyway).
//
// Inside a chunk: if every pointer of the entry is 16-byte aligned, each thread
// moves 4 consecutive elements per iteration with 16-byte loads/stores
// (Vec4), the chunk's n % 4 tail one element per thread; otherwise one element
// per thread-iteration. Chunk starts are multiples of kChunk (a multiple of
// 4), so alignment of the base pointers carries to every chunk.
//
// The Op interface (a trivially copyable struct of the launch's constants):
//   static constexpr int kMinBlocksPerSm       the __launch_bounds__ minimum
//   bool aligned(const Entry&)                 all pointers 16-byte aligned
//   void apply1(const Entry&, int64_t i)       element i
//   void apply4(const Entry&, int64_t i)       elements i..i+3
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"

namespace gan::kernels::cuda::detail {

// Elements per chunk (one block's work): 64 per thread of a 256-thread block,
// so a block streams 16384 * 28 B = 448 KiB for f32 Adam, long enough to
// amortise the table look-up, short enough that a 100k-element layer still
// spreads over 7 SMs.
inline constexpr int64_t kChunk = 16384;
// CUDA's limit on the bytes of one launch's kernel arguments.
inline constexpr int64_t kKernelParamBytes = 4096;
// Blocks per launch (gridDim.x <= 2^31 - 1).
inline constexpr int64_t kMaxGridChunks = 2147483647;

// Entries that fit beside an Op of OpBytes bytes (table count + prefix sums included).
template <class Entry>
constexpr int table_capacity(int64_t op_bytes) {
  // Op, then the table: entries, kMax + 1 prefix sums, the count; 16 B of alignment slack each.
  return static_cast<int>((kKernelParamBytes - op_bytes - 16 - 16 - 2 * sizeof(int32_t)) /
                          (sizeof(Entry) + sizeof(int32_t)));
}

template <class Entry, int kMax>
struct ChunkTable {
  Entry entry[kMax];
  int32_t first_chunk[kMax + 1];  // prefix sums of the entries' chunk counts
  int32_t count;                  // entries in use
};

// Op::kMinBlocksPerSm is the kernel's __launch_bounds__ minimum: kMinBlocks
// (4: <= 64 registers) for the light ops; Adam and RMSprop keep five to six
// 4-wide vectors live (40-48 registers in f64 alone) and spilled at 64, so
// they ask for 2 (<= 128 registers; 512 threads per SM still keep ~128 KiB of
// loads in flight, far more than HBM needs per SM).
template <class Op, class Entry, int kMax>
__global__ void __launch_bounds__(kThreads, Op::kMinBlocksPerSm)
    multi_tensor_chunk_kernel(Op op, ChunkTable<Entry, kMax> table) {
  const int32_t b = static_cast<int32_t>(blockIdx.x);
  int lo = 0, hi = table.count - 1;  // last entry with first_chunk <= b
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (table.first_chunk[mid] <= b) lo = mid;
    else hi = mid - 1;
  }
  const Entry e = table.entry[lo];
  const int64_t begin = static_cast<int64_t>(b - table.first_chunk[lo]) * kChunk;
  const int64_t end = e.n < begin + kChunk ? e.n : begin + kChunk;
  const int64_t threads = blockDim.x;
  if (op.aligned(e)) {
    const int64_t packs_end = begin + (end - begin) / kVec * kVec;
    for (int64_t i = begin + static_cast<int64_t>(threadIdx.x) * kVec; i < packs_end; i += threads * kVec)
      op.apply4(e, i);
    for (int64_t i = packs_end + threadIdx.x; i < end; i += threads) op.apply1(e, i);
  } else {
    for (int64_t i = begin + threadIdx.x; i < end; i += threads) op.apply1(e, i);
  }
}

// Launches op over entries[0, count) (host array; entries with n == 0 are
// skipped), as many launches as the table capacity and grid size require.
template <class Op, class Entry>
void launch_multi_tensor(const char* kernel, const Op& op, const Entry* entries, int64_t count, Stream s) {
  constexpr int kMax = table_capacity<Entry>(sizeof(Op));
  static_assert(kMax >= 1, "multi-tensor entry too large for the kernel-parameter limit");
  using Table = ChunkTable<Entry, kMax>;
  static_assert(sizeof(Op) + sizeof(Table) <= kKernelParamBytes, "kernel arguments exceed 4 KiB");
  Table table;
  table.count = 0;
  int64_t chunks = 0;
  auto flush = [&] {
    if (table.count == 0) return;
    table.first_chunk[table.count] = static_cast<int32_t>(chunks);
    GAN_LAUNCH(static_cast<unsigned>(chunks), kThreads, 0, stream_of(s), multi_tensor_chunk_kernel<Op, Entry, kMax>)(op, table);
    check_launch(kernel);
    table.count = 0;
    chunks = 0;
  };
  for (int64_t i = 0; i < count; ++i) {
    const Entry& e = entries[i];
    if (e.n == 0) continue;
    const int64_t c = (e.n + kChunk - 1) / kChunk;
    if (c > kMaxGridChunks) fail(kernel, "tensor " + std::to_string(i) + " has too many elements for one grid");
    if (table.count == kMax || chunks + c > kMaxGridChunks) flush();
    table.entry[table.count] = e;
    table.first_chunk[table.count] = static_cast<int32_t>(chunks);
    ++table.count;
    chunks += c;
  }
  flush();
}

template <class Op, class Entry>
constexpr int64_t multi_tensor_capacity() {
  return table_capacity<Entry>(sizeof(Op));
}

}  // namespace gan::kernels::cuda::detail
