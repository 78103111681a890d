// A GAN system's own config keys: a table of typed options with defaults and
// help text, owned and validated by the system that declares them.
//
// In a config file a system's keys live in the table named after it
// (`[acgan] class_weight = 1.0`); on the command line `--set acgan.class_weight=1`
// (or `--set class_weight=1` when no run key has that name). Values are kept
// as text in their canonical form (what the JSON of a run and a checkpoint
// store) and parsed on set, so a bad value is an error naming the table, the
// key and the value before any work starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gan::models {

enum class OptionType { integer, number, string, boolean };

struct OptionSpec {
  std::string key;
  OptionType type = OptionType::number;
  std::string default_value;  // canonical text: "100", "0.0002", "hinge", "true"
  std::string help;           // one line; the paper's value and why, where it has one
};

class SystemOptions {
 public:
  SystemOptions() = default;
  // `table` names the owner in messages ("acgan"); values start at the defaults.
  SystemOptions(std::string table, std::vector<OptionSpec> specs);

  // Parses `text` by the key's type. Unknown key -> gan::Error naming
  // [table].key and listing the known keys; bad value -> naming both.
  void set(const std::string& key, const std::string& text);
  bool has(const std::string& key) const;

  int64_t integer(const std::string& key) const;
  double number(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  bool boolean(const std::string& key) const;

  const std::string& table() const { return table_; }
  const std::vector<OptionSpec>& specs() const { return specs_; }
  // Canonical text of every value, in declaration order.
  const std::vector<std::string>& values() const { return values_; }
  // Keys joined by ", " (for messages).
  std::string key_list() const;

 private:
  size_t index(const std::string& key) const;  // throws naming the table when absent
  std::string table_;
  std::vector<OptionSpec> specs_;
  std::vector<std::string> values_;
};

const char* option_type_name(OptionType t);

}  // namespace gan::models
