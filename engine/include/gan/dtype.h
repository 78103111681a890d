// Element types and devices of gan tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gan {

// f32 everywhere; f64 on the CPU for gradient checks; i64 for indices and labels.
enum class DType : uint8_t { f32, f64, i64 };

size_t dtype_size(DType dt);
const char* dtype_name(DType dt);  // "f32", "f64", "i64"
inline bool is_floating(DType dt) { return dt == DType::f32 || dt == DType::f64; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }

struct Device {
  enum class Kind : uint8_t { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = 0;

  static Device cpu() { return {Kind::cpu, 0}; }
  static Device cuda(int i = 0) { return {Kind::cuda, i}; }
  bool is_cpu() const { return kind == Kind::cpu; }
  bool is_cuda() const { return kind == Kind::cuda; }
  std::string str() const;  // "cpu", "cuda:0"
  bool operator==(const Device&) const = default;
};

// Parses "cpu", "cuda", "cuda:1"; throws gan::Error on anything else.
Device parse_device(const std::string& s);

}  // namespace gan
