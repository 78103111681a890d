#include "gan/dtype.h"

#include "gan/error.h"

namespace gan {

size_t dtype_size(DType dt) {
  switch (dt) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
  }
  throw Error("dtype_size: invalid dtype");
}

const char* dtype_name(DType dt) {
  switch (dt) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
  }
  return "invalid";
}

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device::cpu();
  if (s == "cuda") return Device::cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    const std::string idx = s.substr(5);
    GAN_CHECK(!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos,
              "device: cannot parse '", s, "' (expected cpu, cuda or cuda:N)");
    return Device::cuda(std::stoi(idx));
  }
  throw Error("device: cannot parse '" + s + "' (expected cpu, cuda or cuda:N)");
}

}  // namespace gan
