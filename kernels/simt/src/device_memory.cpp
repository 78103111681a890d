// Emulated device memory and its host-access guard (gan/simt/device_memory.h).
//
// Guarded allocations are whole-page mmap regions listed in a map; a process-
// wide depth counter opens them all (mprotect read/write) when the first
// DeviceAccess begins and closes them (PROT_NONE) when the last one ends. The
// SIGSEGV handler looks the faulting address up in the map: inside a guarded
// region it prints the report and a backtrace and aborts; anywhere else it
// restores the previous handler and returns, so the fault repeats as before.
#include "gan/simt/device_memory.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "gan/simt/runtime.h"

namespace gan::simt {
namespace {

struct Region {
  std::size_t bytes;   // asked for
  std::size_t mapped;  // whole pages
};

struct State {
  std::mutex mutex;
  std::map<std::uintptr_t, Region> regions;  // guarded allocations by base address
  int depth = 0;                             // open DeviceAccess scopes
  bool guard = [] {
    const char* e = std::getenv("GAN_SIMT_GUARD");
    return e != nullptr && std::string(e) == "1";
  }();
  bool handler_installed = false;
  struct sigaction previous {};
};

// Never destroyed: allocators (the engine's caching allocator) free their
// segments from static destructors, after a function-local static would be gone.
State& state() {
  static State* s = new State;
  return *s;
}

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

// mprotect fails only on a bad range or out of kernel memory: both fatal here
// (a scope's destructor cannot throw), so it aborts with the reason.
void protect(std::uintptr_t base, const Region& r, int prot) {
  if (mprotect(reinterpret_cast<void*>(base), r.mapped, prot) == 0) return;
  std::fprintf(stderr, "gan::simt guard: mprotect of a %zu-byte device allocation failed: %s\n", r.mapped,
               std::strerror(errno));
  std::abort();
}

void protect_all(const State& s, int prot) {
  for (const auto& [base, r] : s.regions) protect(base, r, prot);
}

void write_str(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

// Async-signal context: formatting with snprintf into a stack buffer and
// write(2); the map is read without its lock (the process is about to abort).
void on_segv(int sig, siginfo_t* info, void* ctx) {
  State& s = state();
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  auto it = s.regions.upper_bound(addr);
  if (it != s.regions.begin()) {
    --it;
    if (addr < it->first + it->second.mapped) {
      char msg[512];
      std::snprintf(msg, sizeof msg,
                    "gan::simt guard: host code touched device memory at %p (byte %zu of a %zu-byte device "
                    "allocation at %p): a device pointer dereferenced on the host, which crashes on a GPU. "
                    "Backtrace:\n",
                    info->si_addr, static_cast<std::size_t>(addr - it->first), it->second.bytes,
                    reinterpret_cast<void*>(it->first));
      write_str(msg);
      void* frames[64];
      backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
      signal(SIGABRT, SIG_DFL);
      abort();
    }
  }
  // Not ours: the previous disposition handles the repeated fault.
  sigaction(SIGSEGV, &s.previous, nullptr);
  (void)sig;
  (void)ctx;
}

void install_handler(State& s) {
  if (s.handler_installed) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &s.previous);
  s.handler_installed = true;
}

}  // namespace

bool guard() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.guard;
}

void set_guard(bool on) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.depth == 0 && on != s.guard) protect_all(s, on ? PROT_NONE : PROT_READ | PROT_WRITE);
  s.guard = on;
}

void* device_alloc(std::size_t bytes) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.guard) {
    const std::size_t rounded = std::max<std::size_t>(64, (bytes + 63) / 64 * 64);
    void* p = std::aligned_alloc(64, rounded);
    if (p == nullptr) throw Error("gan::simt: out of memory allocating " + std::to_string(bytes) + " device bytes");
    std::memset(p, 0xff, rounded);
    return p;
  }
  install_handler(s);
  const std::size_t page = page_size(), mapped = std::max(page, (bytes + page - 1) / page * page);
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw Error("gan::simt guard: out of memory mapping " + std::to_string(bytes) + " device bytes");
  std::memset(p, 0xff, mapped);
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  const Region r{bytes, mapped};
  s.regions.emplace(base, r);
  if (s.depth == 0) protect(base, r, PROT_NONE);
  return p;
}

void device_free(void* ptr) {
  if (ptr == nullptr) return;
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.regions.find(reinterpret_cast<std::uintptr_t>(ptr));
  if (it == s.regions.end()) {
    std::free(ptr);
    return;
  }
  munmap(ptr, it->second.mapped);
  s.regions.erase(it);
}

DeviceAccess::DeviceAccess() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.depth++ == 0 && s.guard) protect_all(s, PROT_READ | PROT_WRITE);
}

DeviceAccess::~DeviceAccess() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (--s.depth == 0 && s.guard) protect_all(s, PROT_NONE);
}

}  // namespace gan::simt
