// The shared-memory hazard checker of the SIMT emulator: the instrumentation
// hooks, the shadow of shared memory, and the reports (design: racecheck.h).
#include "racecheck.h"
#include "block.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gan/simt/simt.h>

#ifndef GAN_SIMT_RACECHECK_AVAILABLE
#define GAN_SIMT_RACECHECK_AVAILABLE 0
#endif
#ifndef GAN_SIMT_SOURCE_ROOT
#define GAN_SIMT_SOURCE_ROOT ""
#endif

namespace gan::simt::detail::race {
namespace {

constexpr uint16_t kNone = 0xffff;
constexpr int32_t kGap = -1, kIgnored = -2, kAny = -3;

// One shadow cell per byte of shared memory, valid for one barrier interval.
struct Cell {
  uint32_t epoch = 0;
  uint16_t writer = kNone, reader1 = kNone, reader2 = kNone;  // reader2: a warp other than reader1's
  uintptr_t writer_pc = 0, reader1_pc = 0, reader2_pc = 0;
};

enum class Kind : uint8_t { hazard_raw, hazard_war, hazard_waw, oob };

struct Finding {
  Kind kind = Kind::hazard_raw;
  bool dynamic = false;  // dynamic shared buffer, else a static __shared__ array
  uintptr_t addr = 0;
  std::size_t bytes = 0;
  int tid = 0;
  uintptr_t pc = 0;
  bool write = false;
  int other = -1;
  uintptr_t other_pc = 0;
  int32_t first_symbol = -1;  // oob in a static array: the array this site reached first
};

// ---- the module's static TLS (static __shared__ arrays) ------------------------

struct TlsSymbol {
  std::size_t offset, size;
  std::string name;  // mangled
};

struct TlsModule {
  bool found = false;
  std::string path;       // for the symbol table
  std::size_t size = 0;   // PT_TLS memsz
  // Per byte: the index of the symbol holding it, kGap outside every
  // variable, kIgnored for threadIdx & co., kAny without a symbol table.
  std::vector<int32_t> owner;
  std::vector<TlsSymbol> symbols;  // sorted by offset
};

// The calling thread's TLS block of the module that holds threadIdx (the
// emulator and the kernels are static libraries of one module).
struct TlsBlock {
  uintptr_t base = 0;
  std::size_t size = 0;
  std::string path;
};

TlsBlock find_tls_block() {
  struct Ctx {
    uintptr_t probe;
    TlsBlock out;
  } ctx{reinterpret_cast<uintptr_t>(&threadIdx), {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* p) -> int {
        auto* c = static_cast<Ctx*>(p);
        if (info->dlpi_tls_data == nullptr) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_TLS) continue;
          const auto base = reinterpret_cast<uintptr_t>(info->dlpi_tls_data);
          if (c->probe >= base && c->probe < base + ph.p_memsz) {
            c->out = {base, ph.p_memsz,
                      info->dlpi_name != nullptr && info->dlpi_name[0] != '\0' ? info->dlpi_name : "/proc/self/exe"};
            return 1;
          }
        }
        return 0;
      },
      &ctx);
  return ctx.out;
}

// STT_TLS symbols of an ELF file (offsets in its TLS image).
std::vector<TlsSymbol> read_tls_symbols(const std::string& path) {
  std::vector<TlsSymbol> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr))) {
    ::close(fd);
    return out;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return out;
  const auto* base = static_cast<const unsigned char*>(map);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  const bool ok = std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
                  eh->e_shoff + std::size_t{eh->e_shnum} * sizeof(Elf64_Shdr) <= size;
  if (ok) {
    const auto* sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; ++i) {
      if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
      const Elf64_Shdr& strs = sh[sh[i].sh_link];
      if (sh[i].sh_offset + sh[i].sh_size > size || strs.sh_offset + strs.sh_size > size) continue;
      const auto* syms = reinterpret_cast<const Elf64_Sym*>(base + sh[i].sh_offset);
      const std::size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
      for (std::size_t k = 0; k < n; ++k) {
        const Elf64_Sym& s = syms[k];
        if (ELF64_ST_TYPE(s.st_info) != STT_TLS || s.st_shndx == SHN_UNDEF || s.st_size == 0) continue;
        if (s.st_name >= strs.sh_size) continue;
        out.push_back({s.st_value, s.st_size, reinterpret_cast<const char*>(base + strs.sh_offset + s.st_name)});
      }
    }
  }
  ::munmap(map, size);
  std::sort(out.begin(), out.end(), [](const TlsSymbol& a, const TlsSymbol& b) { return a.offset < b.offset; });
  return out;
}

const TlsModule& tls_module() {
  static TlsModule* m = [] {
    auto* p = new TlsModule;  // never destroyed: workers may outlive static destruction
    const TlsBlock blk = find_tls_block();
    if (blk.size == 0) return p;
    p->found = true;
    p->path = blk.path;
    p->size = blk.size;
    p->symbols = read_tls_symbols(blk.path);
    // The symbol table must agree with the running module (threadIdx at its offset).
    const auto tid_off = reinterpret_cast<uintptr_t>(&threadIdx) - blk.base;
    const bool agree = std::any_of(p->symbols.begin(), p->symbols.end(), [&](const TlsSymbol& s) {
      return s.offset == tid_off && s.name == "threadIdx";
    });
    if (!agree) p->symbols.clear();
    // Without a symbol table every byte counts as shared memory (no static out-of-bounds reports).
    p->owner.assign(p->size, p->symbols.empty() ? kAny : kGap);
    for (std::size_t i = 0; i < p->symbols.size(); ++i) {
      const TlsSymbol& s = p->symbols[i];
      for (std::size_t b = s.offset; b < s.offset + s.size && b < p->size; ++b) p->owner[b] = static_cast<int32_t>(i);
    }
    auto ignore = [&](const void* v, std::size_t n) {
      const auto off = reinterpret_cast<uintptr_t>(v) - blk.base;
      for (std::size_t b = off; b < off + n && b < p->size; ++b) p->owner[b] = kIgnored;
    };
    ignore(&threadIdx, sizeof threadIdx);
    ignore(&blockIdx, sizeof blockIdx);
    ignore(&blockDim, sizeof blockDim);
    ignore(&gridDim, sizeof gridDim);
    return p;
  }();
  return *m;
}

// ---- per worker ----------------------------------------------------------------

constexpr std::size_t kPageBits = 12;

struct Worker {
  bool tls_ready = false;
  uintptr_t tls_lo = 0, tls_hi = 0;
  const int32_t* tls_owner = nullptr;
  std::vector<std::unique_ptr<Cell[]>> tls_pages;  // shadow of the static shared memory, 4 KiB pages

  // Which static arrays each access site (PC) reached in this block, and how
  // often: an instruction indexes one array, so when a site reaches two, the
  // accesses to the one it reached less often ran out of bounds of the other
  // (decided when the block ends). Open addressing, entries tagged with the
  // block serial.
  struct SiteArray {
    uintptr_t pc = 0;
    uint64_t block = 0;
    int32_t symbol[2] = {0, 0};
    uint64_t count[2] = {0, 0};
    Finding example[2];  // the first access to each
  };
  static constexpr std::size_t kSites = 4096;
  std::vector<SiteArray> sites = std::vector<SiteArray>(kSites);
  std::vector<std::size_t> mixed;  // entries that reached two arrays in this block
  uint64_t block_serial = 0;

  void note_site(uintptr_t a, std::size_t n, bool write, uintptr_t pc, int32_t symbol) {
    std::size_t h = (pc * 0x9e3779b97f4a7c15ull) >> 52;
    for (int probe = 0; probe < 16; ++probe, h = (h + 1) & (kSites - 1)) {
      SiteArray& e = sites[h];
      if (e.block != block_serial) {
        e.pc = pc;
        e.block = block_serial;
        e.symbol[0] = symbol;
        e.count[0] = 1;
        e.count[1] = 0;
        e.example[0] = {Kind::oob, false, a, n, tid, pc, write, -1, 0};
        return;
      }
      if (e.pc != pc) continue;
      if (e.symbol[0] == symbol) {
        ++e.count[0];
      } else if (e.count[1] > 0 && e.symbol[1] == symbol) {
        ++e.count[1];
      } else if (e.count[1] == 0) {
        e.symbol[1] = symbol;
        e.count[1] = 1;
        e.example[1] = {Kind::oob, false, a, n, tid, pc, write, -1, 0};
        mixed.push_back(h);
      }
      return;
    }
    // table crowded: no verdict for this site
  }

  // End of block: a site's accesses to its less frequent array are out of bounds.
  void judge_sites() {
    for (const std::size_t h : mixed) {
      const SiteArray& e = sites[h];
      const int bad = e.count[1] <= e.count[0] ? 1 : 0;
      Finding f = e.example[bad];
      f.first_symbol = e.symbol[1 - bad];
      if (findings == 0 || first.kind != Kind::oob) {
        first = f;  // a memory error first
        ++findings;
      } else {
        found(f);
      }
    }
    mixed.clear();
  }

  const LaunchConfig* config = nullptr;
  uint3 block{};
  int threads = 0;
  uintptr_t dyn_lo = 0, dyn_hi = 0, zone_lo = 0, zone_hi = 0;
  std::vector<Cell> dyn;
  uint32_t epoch = 0;
  int tid = 0;
  uint64_t findings = 0;
  Finding first;

  Cell& tls_cell(std::size_t off) {
    const std::size_t page = off >> kPageBits;
    auto& p = tls_pages[page];
    if (!p) p = std::make_unique<Cell[]>(std::size_t{1} << kPageBits);
    return p[off & ((std::size_t{1} << kPageBits) - 1)];
  }

  void found(const Finding& f) {
    if (findings++ == 0) first = f;
  }

  void check(uintptr_t a, std::size_t n, bool write, uintptr_t pc) {
    bool dynamic;
    if (a < zone_hi && a + n > zone_lo) {
      dynamic = true;
      if (a < dyn_lo || a + n > dyn_hi) return found({Kind::oob, true, a, n, tid, pc, write, -1, 0});
    } else if (a < tls_hi && a + n > tls_lo) {
      dynamic = false;
      const std::size_t off = a - tls_lo;
      if (a + n > tls_hi) return found({Kind::oob, false, a, n, tid, pc, write, -1, 0});
      const int32_t s0 = tls_owner[off], s1 = tls_owner[off + n - 1];
      if (s0 == kIgnored && s1 == kIgnored) return;
      if (s0 == kGap || s1 == kGap || s0 != s1) return found({Kind::oob, false, a, n, tid, pc, write, -1, 0});
      if (s0 >= 0) note_site(a, n, write, pc, s0);
    } else {
      return;
    }
    const int warp = tid / 32;
    const auto me = static_cast<uint16_t>(tid);
    bool reported = false;
    for (std::size_t i = 0; i < n; ++i) {
      Cell& c = dynamic ? dyn[a - dyn_lo + i] : tls_cell(a - tls_lo + i);
      if (c.epoch != epoch) {
        c.epoch = epoch;
        c.writer = c.reader1 = c.reader2 = kNone;
      }
      auto other_warp = [&](uint16_t t) { return t != kNone && t / 32 != warp; };
      if (write) {
        if (!reported) {
          if (other_warp(c.writer)) {
            found({Kind::hazard_waw, dynamic, a, n, tid, pc, true, c.writer, c.writer_pc});
            reported = true;
          } else if (other_warp(c.reader1) || other_warp(c.reader2)) {
            const bool r1 = other_warp(c.reader1);
            found({Kind::hazard_war, dynamic, a, n, tid, pc, true, r1 ? c.reader1 : c.reader2,
                   r1 ? c.reader1_pc : c.reader2_pc});
            reported = true;
          }
        }
        c.writer = me;
        c.writer_pc = pc;
      } else {
        if (!reported && other_warp(c.writer)) {
          found({Kind::hazard_raw, dynamic, a, n, tid, pc, false, c.writer, c.writer_pc});
          reported = true;
        }
        if (c.reader1 == kNone) {
          c.reader1 = me;
          c.reader1_pc = pc;
        } else if (c.reader2 == kNone && c.reader1 / 32 != warp) {
          c.reader2 = me;
          c.reader2_pc = pc;
        }
      }
    }
  }
};

thread_local Worker t_worker;
// The worker being checked, or null: the one load on the path of every
// instrumented access when the checker is off.
__attribute__((tls_model("initial-exec"))) thread_local Worker* t_active = nullptr;

inline void access(uintptr_t a, std::size_t n, bool write, uintptr_t pc) {
  Worker* w = t_active;
  if (__builtin_expect(w == nullptr, 1)) return;
  w->check(a, n, write, pc);
}

// ---- reports -------------------------------------------------------------------

std::string strip_root(std::string file) {
  // "/src/build/sim/../../kernels/x.cu:12" -> "kernels/x.cu:12"
  if (file.starts_with("/")) file = std::filesystem::path(file).lexically_normal().string();
  const std::string root = GAN_SIMT_SOURCE_ROOT;
  if (!root.empty() && file.starts_with(root)) file.erase(0, root.size());
  return file;
}

std::string short_function(std::string f) {
  // "void ns::(anonymous namespace)::kernel<float, 256>(float const*, ...)" -> "ns::kernel<float, 256>"
  for (std::size_t p; (p = f.find("(anonymous namespace)::")) != std::string::npos;) f.erase(p, 23);
  if (const auto paren = f.find('('); paren != std::string::npos) f.erase(paren);
  if (f.starts_with("void ")) f.erase(0, 5);
  if (f.size() > 100) f = f.substr(0, 97) + "...";
  return f;
}

// "file:line (in function), inlined at file:line (in function)" from addr2line.
// The running program's path (/proc/self/exe names addr2line inside addr2line).
std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string site(uintptr_t pc) {
  if (pc == 0) return "?";
  struct Ctx {
    uintptr_t pc;
    uintptr_t rel = 0;
    std::string path;
  } ctx{pc - 1, 0, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* p) -> int {
        auto* c = static_cast<Ctx*>(p);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type == PT_LOAD && c->pc >= lo && c->pc < lo + ph.p_memsz) {
            c->rel = c->pc - info->dlpi_addr;
            c->path = info->dlpi_name != nullptr && info->dlpi_name[0] != '\0' ? info->dlpi_name : self_exe();
            return 1;
          }
        }
        return 0;
      },
      &ctx);
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%zx", static_cast<std::size_t>(ctx.rel));
  if (ctx.path.empty()) return hex;
  const std::string cmd = "addr2line -C -f -i -e '" + ctx.path + "' " + hex + " 2>/dev/null";
  std::vector<std::string> lines;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, f) != nullptr) {
      std::string l(buf);
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
      lines.push_back(l);
    }
    ::pclose(f);
  }
  std::string out;
  for (std::size_t i = 0; i + 1 < lines.size() && i < 6; i += 2) {
    std::string loc = lines[i + 1];
    if (const auto d = loc.find(" (discriminator"); d != std::string::npos) loc.erase(d);
    if (loc.starts_with("??")) continue;
    out += out.empty() ? "" : ", inlined at ";
    out += strip_root(loc) + " (in " + short_function(lines[i]) + ")";
  }
  if (out.empty()) out = ctx.path + "+" + hex + " (no line information)";
  return out;
}

std::string demangle(const std::string& name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string out = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return out;
}

// "'smem' (static __shared__ of ns::function<...>)" for a demangled local static.
std::string array_name(const TlsSymbol& s) {
  const std::string d = demangle(s.name);
  const auto sep = d.rfind(")::");
  std::string out = "'";  // built by appending: GCC 12 warns (-Wrestrict) on "'" + std::string&&
  if (sep == std::string::npos) {
    out.append(d).append("' (static __shared__)");
  } else {
    out.append(d.substr(sep + 3)).append("' (static __shared__ in ");
    out.append(short_function(d.substr(0, sep + 1))).append(")");
  }
  return out;
}

std::string thread_text(const Worker& w, int tid) {
  const dim3 b = w.config->block;
  const auto u = static_cast<unsigned>(tid);
  std::ostringstream os;
  os << "thread (" << u % b.x << "," << u / b.x % b.y << "," << u / (b.x * b.y) << ") (warp " << tid / 32
     << ", lane " << tid % 32 << ")";
  return os.str();
}

std::string where(const Worker& w, const Finding& f) {
  std::ostringstream os;
  if (f.dynamic) {
    const auto off = static_cast<long long>(f.addr) - static_cast<long long>(w.dyn_lo);
    os << "dynamic shared memory (GAN_DYNAMIC_SHARED) + " << off << " bytes (the launch has " << w.dyn.size()
       << " bytes)";
    return os.str();
  }
  const TlsModule& m = tls_module();
  const std::size_t off = f.addr - w.tls_lo;
  const TlsSymbol* in = nullptr;
  const TlsSymbol* before = nullptr;
  const TlsSymbol* after = nullptr;
  for (const TlsSymbol& s : m.symbols) {
    if (off >= s.offset && off < s.offset + s.size) in = &s;
    if (s.offset + s.size <= off) before = &s;
    if (s.offset > off && after == nullptr) after = &s;
  }
  if (in != nullptr) {
    os << "shared array " << array_name(*in) << " + " << off - in->offset << " bytes (of " << in->size << ")";
    if (f.kind == Kind::oob && f.first_symbol >= 0 && static_cast<std::size_t>(f.first_symbol) < m.symbols.size()) {
      const TlsSymbol& first = m.symbols[static_cast<std::size_t>(f.first_symbol)];
      if (off >= first.offset + first.size)
        os << " [" << off - (first.offset + first.size) << " bytes past the end of ";
      else
        os << " [" << first.offset - off << " bytes before the start of ";
      os << array_name(first) << " of " << first.size << " bytes, the array this instruction reached more often]";
    }
  } else {
    os << "static shared memory outside every __shared__ array (TLS offset " << off << ")";
    if (before != nullptr)
      os << ", " << off - (before->offset + before->size) << " bytes past the end of " << array_name(*before)
         << " of " << before->size << " bytes";
    if (after != nullptr) os << ", " << after->offset - off << " bytes before " << array_name(*after);
  }
  return os.str();
}

const char* access_text(bool write) { return write ? "write" : "read"; }

std::string report(const Worker& w) {
  const Finding& f = w.first;
  std::ostringstream os;
  os << "gan::simt racecheck: " << describe(*w.config) << ", block (" << w.block.x << "," << w.block.y << ","
     << w.block.z << "): ";
  if (f.kind == Kind::oob) {
    os << "out-of-bounds shared memory " << access_text(f.write) << " of " << f.bytes << " bytes at "
       << where(w, f) << " by " << thread_text(w, f.tid) << " at " << site(f.pc);
  } else {
    const char* name = f.kind == Kind::hazard_raw   ? "read-after-write"
                       : f.kind == Kind::hazard_war ? "write-after-read"
                                                    : "write-after-write";
    const bool other_write = f.kind != Kind::hazard_war;
    os << name << " hazard on " << where(w, f) << ": " << access_text(f.write) << " of " << f.bytes
       << " bytes by " << thread_text(w, f.tid) << " at " << site(f.pc) << "; earlier "
       << access_text(other_write) << " by " << thread_text(w, f.other) << " at " << site(f.other_pc)
       << "; no __syncthreads between them";
  }
  if (w.findings > 1) os << " (" << w.findings - 1 << " more in this block)";
  return os.str();
}

}  // namespace

bool available() { return GAN_SIMT_RACECHECK_AVAILABLE != 0; }

void begin_block(const LaunchConfig& config, uint3 block, int threads, const void* shared, std::size_t bytes) {
  Worker& w = t_worker;
  if (!w.tls_ready) {
    const TlsModule& m = tls_module();
    const TlsBlock blk = find_tls_block();
    if (m.found && blk.size == m.size) {
      w.tls_lo = blk.base;
      w.tls_hi = blk.base + blk.size;
      w.tls_owner = m.owner.data();
      w.tls_pages.resize((m.size >> kPageBits) + 1);
    }
    w.tls_ready = true;
  }
  w.config = &config;
  w.block = block;
  w.threads = threads;
  w.dyn_lo = reinterpret_cast<uintptr_t>(shared);
  w.dyn_hi = w.dyn_lo + bytes;
  w.zone_lo = w.dyn_lo - kRedZone;
  w.zone_hi = w.dyn_hi + kRedZone;
  if (w.dyn.size() != bytes) w.dyn.assign(bytes, Cell{});
  ++w.epoch;
  ++w.block_serial;
  w.tid = 0;
  w.findings = 0;
  t_active = &w;
}

void set_thread(int tid) { t_worker.tid = tid; }

void barrier() { ++t_worker.epoch; }

void record_write(int tid, const void* addr, std::size_t bytes, uintptr_t pc) {
  Worker* w = t_active;
  if (w == nullptr) return;
  const int saved = w->tid;
  w->tid = tid;
  w->check(reinterpret_cast<uintptr_t>(addr), bytes, true, pc);
  w->tid = saved;
}

std::string end_block() {
  Worker& w = t_worker;
  t_active = nullptr;
  w.judge_sites();
  ++w.epoch;
  return w.findings > 0 ? report(w) : std::string();
}

void abandon_block() {
  t_active = nullptr;
  t_worker.mixed.clear();
  ++t_worker.epoch;
}

}  // namespace gan::simt::detail::race

// ---- the instrumentation's entry points (g++ -fsanitize=kernel-address, outline) ----
// Called before every load/store of the instrumented kernel code; no sanitizer
// runtime is linked. Only in builds that instrument (never beside ASan's runtime,
// which has functions of these names).
#if GAN_SIMT_RACECHECK_AVAILABLE

#define GAN_SIMT_RACE_HOOKS(n)                                                                     \
  extern "C" void __asan_load##n##_noabort(uintptr_t a) {                                          \
    gan::simt::detail::race::access(a, n, false, reinterpret_cast<uintptr_t>(__builtin_return_address(0))); \
  }                                                                                                \
  extern "C" void __asan_store##n##_noabort(uintptr_t a) {                                         \
    gan::simt::detail::race::access(a, n, true, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));  \
  }
GAN_SIMT_RACE_HOOKS(1)
GAN_SIMT_RACE_HOOKS(2)
GAN_SIMT_RACE_HOOKS(4)
GAN_SIMT_RACE_HOOKS(8)
GAN_SIMT_RACE_HOOKS(16)
#undef GAN_SIMT_RACE_HOOKS

extern "C" void __asan_loadN_noabort(uintptr_t a, std::size_t n) {
  gan::simt::detail::race::access(a, n, false, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}
extern "C" void __asan_storeN_noabort(uintptr_t a, std::size_t n) {
  gan::simt::detail::race::access(a, n, true, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}
extern "C" void __asan_handle_no_return() {}
#endif  // GAN_SIMT_RACECHECK_AVAILABLE
