#include "config_file.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "gan/error.h"

namespace gan::cli {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GAN_CHECK(in.good(), "config: cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A TOML scalar as the text set_config_value parses.
std::string scalar_text(const std::string& path, const std::string& key, const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) {
    std::ostringstream os;
    os.precision(17);
    os << f->get();
    return os.str();
  }
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  throw Error(detail::concat("config: ", path, ": key '", key, "' has a ", node.type(),
                             " value; expected a string, number or boolean"));
}

// Tables: [system] (name = the GAN system), [<system name>] (its own keys,
// set as "<system>.<key>"), and any other table, which only groups run keys.
void apply_table(const std::string& path, const toml::table& table, const std::string& where,
                 models::TrainerConfig& cfg) {
  for (const auto& [k, node] : table) {
    const std::string key(k.str());
    if (auto sub = node.as_table()) {
      GAN_CHECK(where.empty(), "config: ", path, ": table [", where, ".", key, "] is nested too deeply");
      if (key == "system") continue;  // read first, by load_config_file
      apply_table(path, *sub, key, cfg);
      continue;
    }
    const std::string shown = where.empty() ? key : where + "." + key;
    const std::string target = where == cfg.system ? where + "." + key : key;
    try {
      models::set_config_value(cfg, target, scalar_text(path, shown, node));
    } catch (const Error& e) {
      const auto& src = node.source().begin;
      throw Error(detail::concat("config: ", path, ":", src.line, ": key '", shown, "': ", e.what()));
    }
  }
}

// [system] name = "..." first: it decides which table is the system's own.
void apply_system_table(const std::string& path, const toml::table& table, models::TrainerConfig& cfg) {
  const toml::table* sys = table["system"].as_table();
  if (!sys) return;
  for (const auto& [k, node] : *sys) {
    const auto& src = node.source().begin;
    GAN_CHECK(k.str() == "name", "config: ", path, ":", src.line, ": key 'system.", k.str(),
              "': unknown key in table [system] (its key: name)");
    try {
      models::set_config_value(cfg, "system", scalar_text(path, "system.name", node));
    } catch (const Error& e) {
      throw Error(detail::concat("config: ", path, ":", src.line, ": key 'system.name': ", e.what()));
    }
  }
}

}  // namespace

void load_config_file(const std::string& path, models::TrainerConfig& cfg) {
  const std::string text = read_text(path);
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (json) {
    // A JSON config (e.g. the config.json a run writes) is a whole config: keys it
    // lacks take their defaults. It is read first, before --set overrides.
    try {
      cfg = models::config_from_json(text);
    } catch (const std::exception& e) {
      throw Error(detail::concat("config: ", path, ": ", e.what()));
    }
    return;
  }
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source().begin;
    throw Error(detail::concat("config: ", path, ":", src.line, ":", src.column, ": ", e.description()));
  }
  apply_system_table(path, table, cfg);
  apply_table(path, table, "", cfg);
}

void apply_overrides(const std::vector<std::string>& sets, models::TrainerConfig& cfg) {
  for (const std::string& s : sets) {
    const auto eq = s.find('=');
    GAN_CHECK(eq != std::string::npos && eq > 0, "--set '", s, "': expected key=value");
    try {
      models::set_config_value(cfg, s.substr(0, eq), s.substr(eq + 1));
    } catch (const Error& e) {
      throw Error(detail::concat("--set '", s, "': ", e.what()));
    }
  }
}

}  // namespace gan::cli
