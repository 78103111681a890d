// safetensors: the checkpoint format PyTorch's `safetensors` package reads.
//
//   [0, 8)        u64 little-endian N: header length
//   [8, 8+N)      UTF-8 JSON object, padded with spaces so N % 8 == 0:
//                 {"__metadata__": {"k": "v", ...},          (strings only; omitted if empty)
//                  "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   [8+N, EOF)    data buffer; offsets are relative to its start; little-endian
//                 elements, row-major; the writer lays tensors out contiguously
//                 in the order given.
//
// Byte-level only: no dependency on gan::Tensor (callers pass raw pointers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "gan/io/atomic_file.h"  // FormatError

namespace gan::io {

// One tensor to write. `data` points at nbytes = numel(shape) * dtype_bytes(dtype)
// little-endian bytes (may be null when nbytes == 0).
struct TensorView {
  std::string name;
  std::string dtype;            // "F32", "I64", ... (see dtype_bytes)
  std::vector<int64_t> shape;   // [] is a scalar (one element)
  const void* data = nullptr;
  size_t nbytes = 0;
};

// One tensor read back; owns its bytes.
struct TensorData {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::map<std::string, TensorData> tensors;
  std::vector<std::string> order;  // tensor names by position in the data buffer
};

// Element size of a safetensors dtype: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
// Unknown dtype -> FormatError.
size_t dtype_bytes(const std::string& dtype);

// Writer. Invalid arguments (empty, duplicate or "__metadata__" names, unknown
// dtype, negative dims, nbytes != numel * dtype_bytes) -> std::invalid_argument.
std::vector<std::byte> encode_safetensors(const std::vector<TensorView>& tensors,
                                          const std::map<std::string, std::string>& metadata);
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata = {});  // atomic

// Reader. Any malformed input -> FormatError naming `name_for_errors`, the byte
// offset or header key, and the problem. Never reads out of bounds, and never
// allocates more than the input's size for tensor data.
SafetensorsFile decode_safetensors(std::span<const std::byte> bytes, const std::string& name_for_errors);
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace gan::io
