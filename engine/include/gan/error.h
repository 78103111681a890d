// gan::Error: every user-facing failure. Messages name what was wrong and where
// (op name and shapes, file and byte offset, config key).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace gan {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

// GAN_CHECK(cond, "op: ", a, " vs ", b): throws gan::Error with the streamed message.
#define GAN_CHECK(cond, ...)                                        \
  do {                                                              \
    if (!(cond)) throw ::gan::Error(::gan::detail::concat(__VA_ARGS__)); \
  } while (0)

}  // namespace gan
