// Typed system options: parse on set, canonical text out (options.h).
#include "gan/models/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "gan/error.h"

namespace gan::models {

namespace {

// Canonical text of `text` as type `t`, or an error message (empty on success).
std::string canonical(OptionType t, const std::string& text, std::string& error) {
  errno = 0;
  char* end = nullptr;
  switch (t) {
    case OptionType::integer: {
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0) error = "expected an integer";
      return std::to_string(v);
    }
    case OptionType::number: {
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) error = "expected a finite number";
      std::ostringstream os;
      os.precision(17);
      os << v;
      return os.str();
    }
    case OptionType::boolean:
      if (text == "true" || text == "1") return "true";
      if (text == "false" || text == "0") return "false";
      error = "expected true or false";
      return text;
    case OptionType::string: return text;
  }
  return text;
}

}  // namespace

const char* option_type_name(OptionType t) {
  switch (t) {
    case OptionType::integer: return "integer";
    case OptionType::number: return "number";
    case OptionType::string: return "string";
    case OptionType::boolean: return "boolean";
  }
  return "?";
}

SystemOptions::SystemOptions(std::string table, std::vector<OptionSpec> specs) : table_(std::move(table)), specs_(std::move(specs)) {
  values_.reserve(specs_.size());
  for (const OptionSpec& s : specs_) {
    std::string err;
    values_.push_back(canonical(s.type, s.default_value, err));
    GAN_CHECK(err.empty(), "[", table_, "] ", s.key, ": bad default '", s.default_value, "': ", err);
  }
}

std::string SystemOptions::key_list() const {
  std::string s;
  for (const OptionSpec& o : specs_) s += (s.empty() ? "" : ", ") + o.key;
  return s.empty() ? "none" : s;
}

size_t SystemOptions::index(const std::string& key) const {
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].key == key) return i;
  throw Error(detail::concat("unknown config key '", key, "' in table [", table_, "] (its keys: ", key_list(), ")"));
}

bool SystemOptions::has(const std::string& key) const {
  for (const OptionSpec& s : specs_)
    if (s.key == key) return true;
  return false;
}

void SystemOptions::set(const std::string& key, const std::string& text) {
  const size_t i = index(key);
  std::string err;
  std::string v = canonical(specs_[i].type, text, err);
  GAN_CHECK(err.empty(), "config key '", key, "' in table [", table_, "]: ", err, ", got '", text, "'");
  values_[i] = std::move(v);
}

int64_t SystemOptions::integer(const std::string& key) const {
  const size_t i = index(key);
  GAN_CHECK(specs_[i].type == OptionType::integer, "[", table_, "] ", key, " is not an integer option");
  return std::stoll(values_[i]);
}

double SystemOptions::number(const std::string& key) const {
  const size_t i = index(key);
  GAN_CHECK(specs_[i].type == OptionType::number || specs_[i].type == OptionType::integer, "[", table_, "] ", key,
            " is not a number option");
  return std::stod(values_[i]);
}

const std::string& SystemOptions::string(const std::string& key) const { return values_[index(key)]; }

bool SystemOptions::boolean(const std::string& key) const {
  const size_t i = index(key);
  GAN_CHECK(specs_[i].type == OptionType::boolean, "[", table_, "] ", key, " is not a boolean option");
  return values_[i] == "true";
}

}  // namespace gan::models
