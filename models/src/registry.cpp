// The registry of GAN systems (registry.h): the generated list, sorted and
// checked once.
#include "gan/models/registry.h"

#include <algorithm>

#include "gan/error.h"

namespace gan::models {

std::vector<SystemInfo> all_system_infos();  // systems_list.cpp (generated)

const char* default_system_name() { return "dcgan"; }

const std::vector<SystemInfo>& systems() {
  static const std::vector<SystemInfo> list = [] {
    std::vector<SystemInfo> v = all_system_infos();
    std::sort(v.begin(), v.end(), [](const SystemInfo& a, const SystemInfo& b) { return a.name < b.name; });
    for (size_t i = 1; i < v.size(); ++i)
      GAN_CHECK(v[i].name != v[i - 1].name, "two GAN systems are registered as '", v[i].name, "'");
    return v;
  }();
  return list;
}

const SystemInfo& system_info(const std::string& name) {
  for (const SystemInfo& s : systems())
    if (s.name == name) return s;
  std::string known;
  for (const SystemInfo& s : systems()) known += (known.empty() ? "" : ", ") + s.name;
  throw Error(detail::concat("unknown GAN system '", name, "' (known systems: ", known, "; `gan systems` lists them)"));
}

SystemOptions default_options(const std::string& name) {
  const SystemInfo& s = system_info(name);
  return SystemOptions(s.name, s.options);
}

std::unique_ptr<GanSystem> make_system(const std::string& name, SystemSetup setup) {
  const SystemInfo& s = system_info(name);
  GAN_CHECK(setup.options.table() == s.name, "make_system('", name, "'): options are of table [",
            setup.options.table(), "]");
  return s.make(std::move(setup));
}

}  // namespace gan::models
