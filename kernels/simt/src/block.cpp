// The block scheduler of the SIMT emulator: a block's threads are fibers on
// one worker thread; a thread runs until it waits (barrier, warp collective)
// or exits, then the scheduler runs the next runnable thread in the schedule
// order. Every switch goes through the scheduler (thread -> scheduler ->
// thread), which keeps the bookkeeping in one place at ~5 ns a switch.
//
// Barrier: a thread records its site and predicate and suspends. When no
// thread is runnable and every live (non-exited) thread waits at a barrier,
// the sites must all be the same source location (else: divergence error);
// the barrier is released. When no thread is runnable otherwise, some lanes
// wait in a warp collective that can never complete: a deadlock, reported with
// what every missing lane is doing.
//
// Warp collective: lanes with the same mask meet in a Group; the last lane to
// arrive (or the exit of the last missing lane) computes every lane's result.
#include "block.h"
#include "fiber_stack.h"
#include "racecheck.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <random>
#include <sstream>
#include <vector>

#include <boost/context/fiber.hpp>
#include <boost/context/preallocated.hpp>

#include <gan/simt/simt.h>

// The built-in indices (declared in gan/simt/simt.h).
constinit thread_local uint3 threadIdx{0, 0, 0};
constinit thread_local uint3 blockIdx{0, 0, 0};
constinit thread_local dim3 blockDim{1, 1, 1};
constinit thread_local dim3 gridDim{1, 1, 1};

namespace gan::simt::detail {
namespace {

// ---- block state -------------------------------------------------------------

enum class State : uint8_t { runnable, barrier, warp, exited };

struct AsyncCopy {
  void* dst;
  const void* src;
  int bytes;
  int src_bytes;
  int group;     // 0: not committed yet
  uintptr_t pc;  // the cp_async site, for racecheck
};

struct Thread {
  ctx::fiber fiber;
  uint3 idx{};
  State state = State::runnable;
  // waiting at a barrier
  BarrierOp barrier_op = BarrierOp::sync;
  int predicate = 0;
  std::source_location site;
  // waiting in a warp collective
  WarpOp op = WarpOp::sync;
  unsigned mask = 0;
  uint64_t result = 0;
  // cp.async
  std::vector<AsyncCopy> copies;
  int last_group = 0;
  // ASan
  void* fake_stack = nullptr;
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
};

struct Group {
  WarpOp op;
  unsigned mask;
  unsigned arrived;
  int width;
  WarpFinish finish;
  uint64_t value[32];
  int param[32];
  void* ptrs[32][4];
};

struct Warp {
  unsigned present = 0;  // lanes that exist (a block's last warp may be partial)
  unsigned exited = 0;
  std::vector<Group> groups;
};

struct Abort {};  // unwinds a suspended thread when its block failed

struct Block {
  const GridRun* grid = nullptr;
  uint3 idx{};
  std::vector<Thread> threads;
  std::vector<Warp> warps;
  std::vector<int> order;
  int live = 0;
  int runnable = 0;
  int at_barrier = 0;
  int current = -1;
  int barrier_result = 0;
  bool aborting = false;
  std::exception_ptr error;
  ctx::fiber scheduler;  // the scheduler's continuation while a thread runs
  std::byte* shared = nullptr;
  std::byte* shared_alloc = nullptr;  // shared minus the red zone while racecheck is on
  bool race = false;                  // racecheck on for this block
  std::vector<int> eager;             // Schedule::eager: lanes released by a collective, run next
  std::mt19937_64 rng;
  StackCache stacks;
  // ASan: the worker thread's own stack
  void* fake_stack = nullptr;
  const void* sched_bottom = nullptr;
  std::size_t sched_size = 0;
};

thread_local Block* t_block = nullptr;
thread_local uint64_t t_switches = 0;

// Every state change goes through here, so that b.runnable stays exact.
inline void set_state(Block& b, Thread& t, State s) {
  b.runnable += (s == State::runnable) - (t.state == State::runnable);
  t.state = s;
}

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::sync: return "__syncwarp";
    case WarpOp::shfl_idx: return "__shfl_sync";
    case WarpOp::shfl_up: return "__shfl_up_sync";
    case WarpOp::shfl_down: return "__shfl_down_sync";
    case WarpOp::shfl_xor: return "__shfl_xor_sync";
    case WarpOp::ballot: return "__ballot_sync";
    case WarpOp::any: return "__any_sync";
    case WarpOp::all: return "__all_sync";
    case WarpOp::reduce_add: return "__reduce_add_sync";
    case WarpOp::reduce_min_u:
    case WarpOp::reduce_min_s: return "__reduce_min_sync";
    case WarpOp::reduce_max_u:
    case WarpOp::reduce_max_s: return "__reduce_max_sync";
    case WarpOp::reduce_and: return "__reduce_and_sync";
    case WarpOp::reduce_or: return "__reduce_or_sync";
    case WarpOp::reduce_xor: return "__reduce_xor_sync";
    case WarpOp::match_any: return "__match_any_sync";
    case WarpOp::match_all: return "__match_all_sync";
    case WarpOp::wmma_mma: return "wmma::mma_sync";
  }
  return "?";
}

const char* barrier_name(BarrierOp op) {
  switch (op) {
    case BarrierOp::sync: return "__syncthreads";
    case BarrierOp::count: return "__syncthreads_count";
    case BarrierOp::all: return "__syncthreads_and";
    case BarrierOp::any: return "__syncthreads_or";
  }
  return "?";
}

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// "0-15,17,20-31" for a set of indices given in increasing order.
std::string ranges(const std::vector<int>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(ids[i]);
    if (j > i) s += '-' + std::to_string(ids[j]);
    i = j + 1;
  }
  return s;
}
std::string lane_ranges(unsigned bits) {
  std::vector<int> ids;
  for (int l = 0; l < 32; ++l)
    if (bits >> l & 1u) ids.push_back(l);
  return ranges(ids);
}

std::string site_text(const std::source_location& s) {
  return std::string(s.file_name()) + ":" + std::to_string(s.line());
}
bool same_site(const std::source_location& a, const std::source_location& b) {
  return a.line() == b.line() && a.column() == b.column() &&
         (a.file_name() == b.file_name() || std::strcmp(a.file_name(), b.file_name()) == 0);
}

std::string dim_text(uint3 v) {
  std::string s = "(";  // built by appending: GCC 12 warns (-Wrestrict) on "(" + std::string&&
  s += std::to_string(v.x);
  s += ',';
  s += std::to_string(v.y);
  s += ',';
  s += std::to_string(v.z);
  s += ')';
  return s;
}

std::string block_prefix(const Block& b) {
  return "gan::simt: " + describe(*b.grid->config) + ", block " + dim_text(b.idx) + ": ";
}

[[noreturn]] void block_fail(const Block& b, const std::string& what) {
  throw Error(block_prefix(b) + what);
}

[[noreturn]] void thread_fail(const Block& b, const std::string& what) {
  const Thread& t = b.threads[static_cast<std::size_t>(b.current)];
  throw Error(block_prefix(b) + "thread " + dim_text(t.idx) + " (warp " + std::to_string(b.current / 32) +
              ", lane " + std::to_string(b.current % 32) + "): " + what);
}

Block& current_block(const char* what) {
  if (t_block == nullptr || t_block->current < 0)
    throw Error(std::string("gan::simt: ") + what + " called outside a kernel launched on the SIMT emulator");
  return *t_block;
}

// ---- switching ---------------------------------------------------------------

// Scheduler side: run thread i until it waits or exits.
void resume(Block& b, int i) {
  Thread& t = b.threads[static_cast<std::size_t>(i)];
  b.current = i;
  threadIdx = t.idx;
  if (b.race) race::set_thread(i);
  t_switches += 2;
  asan_start(&b.fake_stack, t.stack_bottom, t.stack_size);
  t.fiber = std::move(t.fiber).resume();
  asan_finish(b.fake_stack, nullptr, nullptr);
}

// Thread side: give control back to the scheduler until released.
void suspend(Block& b, Thread& t) {
  asan_start(&t.fake_stack, b.sched_bottom, b.sched_size);
  b.scheduler = std::move(b.scheduler).resume();
  asan_finish(t.fake_stack, nullptr, nullptr);
  if (b.aborting) throw Abort{};
}

// ---- warp collectives ----------------------------------------------------------

constexpr uint64_t kUndefined = ~uint64_t{0};

bool is_shuffle(WarpOp op) {
  return op == WarpOp::shfl_idx || op == WarpOp::shfl_up || op == WarpOp::shfl_down || op == WarpOp::shfl_xor;
}

uint64_t shuffle_result(const Group& g, int lane) {
  const int w = g.width;
  const int seg = lane & ~(w - 1);
  const int p = g.param[lane];
  int src = lane;
  switch (g.op) {
    case WarpOp::shfl_idx: src = seg + (p & (w - 1)); break;
    case WarpOp::shfl_up: src = (p >= w || lane - p < seg) ? lane : lane - p; break;
    case WarpOp::shfl_down: src = (p >= w || lane + p >= seg + w) ? lane : lane + p; break;
    case WarpOp::shfl_xor: src = lane ^ p; src = (src < 0 || src >= seg + w) ? lane : src; break;
    default: break;
  }
  return (g.arrived >> src & 1u) ? g.value[src] : kUndefined;
}

// Computes every arrived lane's result and releases the lanes.
void finish_group(Block& b, int warp, Group& g) {
  const unsigned arrived = g.arrived;
  uint64_t common = 0;
  switch (g.op) {
    case WarpOp::ballot:
      for (int l = 0; l < 32; ++l)
        if ((arrived >> l & 1u) && g.value[l]) common |= uint64_t{1} << l;
      break;
    case WarpOp::any:
    case WarpOp::all: {
      bool any = false, all = true;
      for (int l = 0; l < 32; ++l)
        if (arrived >> l & 1u) {
          any = any || g.value[l];
          all = all && g.value[l];
        }
      common = g.op == WarpOp::any ? any : all;
      break;
    }
    case WarpOp::reduce_add:
    case WarpOp::reduce_min_u:
    case WarpOp::reduce_max_u:
    case WarpOp::reduce_min_s:
    case WarpOp::reduce_max_s:
    case WarpOp::reduce_and:
    case WarpOp::reduce_or:
    case WarpOp::reduce_xor: {
      bool first = true;
      uint32_t acc = 0;
      for (int l = 0; l < 32; ++l) {
        if (!(arrived >> l & 1u)) continue;
        const auto v = static_cast<uint32_t>(g.value[l]);
        if (first) {
          acc = v;
          first = false;
          continue;
        }
        switch (g.op) {
          case WarpOp::reduce_add: acc += v; break;
          case WarpOp::reduce_min_u: acc = std::min(acc, v); break;
          case WarpOp::reduce_max_u: acc = std::max(acc, v); break;
          case WarpOp::reduce_min_s:
            acc = static_cast<uint32_t>(std::min(static_cast<int32_t>(acc), static_cast<int32_t>(v)));
            break;
          case WarpOp::reduce_max_s:
            acc = static_cast<uint32_t>(std::max(static_cast<int32_t>(acc), static_cast<int32_t>(v)));
            break;
          case WarpOp::reduce_and: acc &= v; break;
          case WarpOp::reduce_or: acc |= v; break;
          default: acc ^= v; break;
        }
      }
      common = acc;
      break;
    }
    case WarpOp::match_all: {
      bool same = true;
      int first = -1;
      for (int l = 0; l < 32; ++l)
        if (arrived >> l & 1u) {
          if (first < 0) first = l;
          same = same && g.value[l] == g.value[first];
        }
      common = same ? arrived : 0;
      break;
    }
    case WarpOp::wmma_mma: {
      if (arrived != 0xffffffffu)
        block_fail(b, "wmma::mma_sync in warp " + std::to_string(warp) + ": lanes " + lane_ranges(~arrived) +
                          " exited without reaching it (it needs all 32 lanes)");
      g.finish(g.ptrs);
      break;
    }
    default: break;
  }
  for (int l = 0; l < 32; ++l) {
    if (!(arrived >> l & 1u)) continue;
    uint64_t r = common;
    if (is_shuffle(g.op)) {
      r = shuffle_result(g, l);
    } else if (g.op == WarpOp::match_any) {
      r = 0;
      for (int m = 0; m < 32; ++m)
        if ((arrived >> m & 1u) && g.value[m] == g.value[l]) r |= uint64_t{1} << m;
    }
    const int tid = warp * 32 + l;
    Thread& t = b.threads[static_cast<std::size_t>(tid)];
    t.result = r;
    set_state(b, t, State::runnable);
    if (b.grid->schedule.eager && tid != b.current) b.eager.push_back(tid);
  }
}

// Completes group gi of the warp if every lane of its mask arrived or is gone.
bool complete_if_ready(Block& b, int warp, std::size_t gi) {
  Warp& w = b.warps[static_cast<std::size_t>(warp)];
  Group& g = w.groups[gi];
  const unsigned gone = w.exited | ~w.present;
  if (((g.arrived | gone) & g.mask) != g.mask) return false;
  finish_group(b, warp, g);
  w.groups[gi] = std::move(w.groups.back());
  w.groups.pop_back();
  return true;
}

// ---- barrier release and deadlock diagnosis ----------------------------------

void release_barrier(Block& b) {
  const Thread* first = nullptr;
  int count = 0;
  for (const Thread& t : b.threads) {
    if (t.state != State::barrier) continue;
    if (first == nullptr) first = &t;
    count += t.predicate != 0;
    if (!same_site(t.site, first->site) || t.barrier_op != first->barrier_op) {
      // Divergence: describe every distinct site and the threads at it.
      std::ostringstream os;
      os << "barrier divergence: the live threads wait at different barriers:";
      std::vector<bool> done(b.threads.size(), false);
      for (std::size_t i = 0; i < b.threads.size(); ++i) {
        if (b.threads[i].state != State::barrier || done[i]) continue;
        std::vector<int> ids;
        for (std::size_t j = i; j < b.threads.size(); ++j)
          if (b.threads[j].state == State::barrier && !done[j] && same_site(b.threads[j].site, b.threads[i].site) &&
              b.threads[j].barrier_op == b.threads[i].barrier_op) {
            done[j] = true;
            ids.push_back(static_cast<int>(j));
          }
        os << " threads " << ranges(ids) << " at " << barrier_name(b.threads[i].barrier_op) << " ("
           << site_text(b.threads[i].site) << ");";
      }
      block_fail(b, os.str());
    }
  }
  switch (first->barrier_op) {
    case BarrierOp::sync: b.barrier_result = 0; break;
    case BarrierOp::count: b.barrier_result = count; break;
    case BarrierOp::all: b.barrier_result = count == b.live; break;
    case BarrierOp::any: b.barrier_result = count > 0; break;
  }
  for (Thread& t : b.threads)
    if (t.state == State::barrier) set_state(b, t, State::runnable);
  b.at_barrier = 0;
  if (b.race) race::barrier();
  if (b.grid->schedule.order == Order::random) std::shuffle(b.order.begin(), b.order.end(), b.rng);
}

std::string lane_activity(const Block& b, int tid) {
  const Thread& t = b.threads[static_cast<std::size_t>(tid)];
  switch (t.state) {
    case State::barrier:
      return std::string("waits at ") + barrier_name(t.barrier_op) + " (" + site_text(t.site) + ")";
    case State::warp: return std::string("waits in ") + op_name(t.op) + " with mask " + hex(t.mask);
    case State::exited: return "has exited";
    case State::runnable: return "is runnable";
  }
  return "?";
}

[[noreturn]] void report_deadlock(const Block& b) {
  std::ostringstream os;
  os << "warp collective mask mismatch (deadlock):";
  for (std::size_t w = 0; w < b.warps.size(); ++w) {
    const Warp& warp = b.warps[w];
    for (const Group& g : warp.groups) {
      const unsigned missing = g.mask & ~g.arrived & warp.present & ~warp.exited;
      os << " warp " << w << " lanes " << lane_ranges(g.arrived) << " wait in " << op_name(g.op) << " with mask "
         << hex(g.mask) << " for lanes " << lane_ranges(missing) << ", but";
      for (int l = 0; l < 32; ++l)
        if (missing >> l & 1u) {
          const int tid = static_cast<int>(w) * 32 + l;
          os << " lane " << l << " " << lane_activity(b, tid) << ";";
          break;  // the first is enough to see the mismatch
        }
    }
  }
  if (b.at_barrier > 0) {
    std::vector<int> ids;
    for (std::size_t i = 0; i < b.threads.size(); ++i)
      if (b.threads[i].state == State::barrier) ids.push_back(static_cast<int>(i));
    os << " threads " << ranges(ids) << " " << lane_activity(b, ids.front()) << ".";
  }
  block_fail(b, os.str());
}

// ---- thread lifetime -------------------------------------------------------------

void perform(const Block& b, const AsyncCopy& c) {
  if (b.race) race::record_write(b.current, c.dst, static_cast<std::size_t>(c.bytes), c.pc);
  std::memcpy(c.dst, c.src, static_cast<std::size_t>(c.src_bytes));
  std::memset(static_cast<char*>(c.dst) + c.src_bytes, 0, static_cast<std::size_t>(c.bytes - c.src_bytes));
}

void thread_exit(Block& b, int i) {
  Thread& t = b.threads[static_cast<std::size_t>(i)];
  set_state(b, t, State::exited);
  --b.live;
  // Copies never waited for are dropped: no thread can legally observe them,
  // and dropping them makes a forgotten wait show stale data.
  t.copies.clear();
  if (b.aborting) return;
  const int warp = i / 32;
  Warp& w = b.warps[static_cast<std::size_t>(warp)];
  w.exited |= 1u << (i % 32);
  for (std::size_t gi = 0; gi < w.groups.size();) {
    if (!complete_if_ready(b, warp, gi)) ++gi;
  }
}

ctx::fiber thread_main(Block& b, int i, ctx::fiber&& sched) {
  asan_finish(nullptr, &b.sched_bottom, &b.sched_size);
  b.scheduler = std::move(sched);
  try {
    if (!b.aborting) b.grid->invoke(b.grid->closure);
  } catch (const Abort&) {
  } catch (const ctx::detail::forced_unwind&) {
    throw;
  } catch (...) {
    if (!b.error) b.error = std::current_exception();
  }
  try {
    thread_exit(b, i);
  } catch (...) {
    if (!b.error) b.error = std::current_exception();
  }
  asan_start(nullptr, b.sched_bottom, b.sched_size);
  return std::move(b.scheduler);
}

// ---- the block ---------------------------------------------------------------

void setup(Block& b, const GridRun& grid, uint64_t linear) {
  const LaunchConfig& cfg = *grid.config;
  const unsigned bx = cfg.block.x, by = cfg.block.y;
  const int n = static_cast<int>(cfg.block.x * cfg.block.y * cfg.block.z);
  b.grid = &grid;
  b.idx = uint3{static_cast<unsigned>(linear % cfg.grid.x), static_cast<unsigned>(linear / cfg.grid.x % cfg.grid.y),
                static_cast<unsigned>(linear / (uint64_t{cfg.grid.x} * cfg.grid.y))};
  b.rng.seed(grid.schedule.seed * 0x9e3779b97f4a7c15ull + linear);
  b.threads.resize(static_cast<std::size_t>(n));
  b.stacks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Thread& t = b.threads[static_cast<std::size_t>(i)];
    const auto u = static_cast<unsigned>(i);
    t.idx = uint3{u % bx, u / bx % by, u / (bx * by)};
    t.state = State::runnable;
    t.copies.clear();
    t.last_group = 0;
    t.fake_stack = nullptr;
    ctx::stack_context s = b.stacks.take();
    t.stack_bottom = static_cast<char*>(s.sp) - s.size;
    t.stack_size = s.size;
    t.fiber = ctx::fiber(std::allocator_arg, ctx::preallocated(s.sp, s.size, s), CachedStack{&b.stacks},
                         [&b, i](ctx::fiber&& sched) { return thread_main(b, i, std::move(sched)); });
  }
  const std::size_t nwarps = static_cast<std::size_t>((n + 31) / 32);
  b.warps.resize(nwarps);
  for (std::size_t w = 0; w < nwarps; ++w) {
    const int lanes = std::min(32, n - static_cast<int>(w) * 32);
    b.warps[w].present = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
    b.warps[w].exited = 0;
    b.warps[w].groups.clear();
  }
  b.order.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) b.order[static_cast<std::size_t>(i)] = i;
  if (grid.schedule.order == Order::reverse) std::reverse(b.order.begin(), b.order.end());
  if (grid.schedule.order == Order::random) std::shuffle(b.order.begin(), b.order.end(), b.rng);
  b.live = n;
  b.runnable = n;
  b.at_barrier = 0;
  b.current = -1;
  b.aborting = false;
  b.error = nullptr;
  b.eager.clear();
  b.race = grid.racecheck;
  // Racecheck: red zones on both sides catch out-of-bounds accesses.
  const std::size_t bytes = cfg.dynamic_shared;
  const std::size_t zone = b.race ? race::kRedZone : 0;
  b.shared_alloc = static_cast<std::byte*>(::operator new(bytes + 2 * zone + 1, std::align_val_t{128}));
  b.shared = b.shared_alloc + zone;
  std::memset(b.shared_alloc, 0xff, bytes + 2 * zone);  // uninitialised shared memory: NaN floats, -1 integers
  if (b.race) race::begin_block(cfg, b.idx, n, b.shared, bytes);
}

void release_shared(Block& b) {
  ::operator delete(b.shared_alloc, std::align_val_t{128});
  b.shared_alloc = nullptr;
  b.shared = nullptr;
}

void schedule(Block& b) {
  for (;;) {
    for (std::size_t k = 0; k < b.order.size(); ++k) {
      const int i = b.order[k];
      if (b.threads[static_cast<std::size_t>(i)].state != State::runnable) continue;
      resume(b, i);
      if (b.error) std::rethrow_exception(b.error);
      // Schedule::eager: a warp released by a collective runs on before anyone else.
      for (std::size_t e = 0; e < b.eager.size(); ++e) {
        const int j = b.eager[e];
        if (b.threads[static_cast<std::size_t>(j)].state != State::runnable) continue;
        resume(b, j);
        if (b.error) std::rethrow_exception(b.error);
      }
      b.eager.clear();
    }
    if (b.runnable > 0) continue;  // threads released during the pass, before their turn
    if (b.live == 0) return;
    if (b.at_barrier == b.live) {
      release_barrier(b);
      continue;
    }
    report_deadlock(b);
  }
}

// After an error: resume every suspended thread so that it unwinds (Abort).
void abort_block(Block& b) {
  b.aborting = true;
  for (int round = 0; round < 4 && b.live > 0; ++round)
    for (std::size_t i = 0; i < b.threads.size(); ++i)
      if (b.threads[i].state != State::exited && b.threads[i].fiber) resume(b, static_cast<int>(i));
  for (Thread& t : b.threads) {
    if (t.state != State::exited && t.fiber) std::abort();  // a thread refused to unwind
    t.fiber = ctx::fiber();
  }
}

}  // namespace

// ---- internal interface -------------------------------------------------------

std::string describe(const LaunchConfig& c) {
  return std::string("kernel '") + c.kernel + "' launched at " + c.file + ":" + std::to_string(c.line);
}

bool inside_kernel() { return t_block != nullptr; }

uint64_t take_switches() {
  const uint64_t n = t_switches;
  t_switches = 0;
  return n;
}

void run_block(const GridRun& grid, uint64_t linear) {
  static thread_local Block b;
  setup(b, grid, linear);
  t_block = &b;
  blockIdx = b.idx;
  blockDim = grid.config->block;
  gridDim = grid.config->grid;
  std::string race_report;
  try {
    schedule(b);
  } catch (const std::exception& e) {
    abort_block(b);
    b.current = -1;
    t_block = nullptr;
    if (b.race) race_report = race::end_block();
    release_shared(b);
    // A hazard is the likelier cause of what went wrong after it.
    if (!race_report.empty()) throw Error(race_report + "; then: " + e.what());
    throw;
  } catch (...) {
    abort_block(b);
    b.current = -1;
    t_block = nullptr;
    if (b.race) race::abandon_block();
    release_shared(b);
    throw;
  }
  b.current = -1;
  t_block = nullptr;
  if (b.race) race_report = race::end_block();
  release_shared(b);
  if (!race_report.empty()) throw Error(race_report);
}

// ---- entry points used by the kernel-side headers ------------------------------

int block_barrier(BarrierOp op, int predicate, const std::source_location& site) {
  Block& b = current_block(barrier_name(op));
  Thread& t = b.threads[static_cast<std::size_t>(b.current)];
  set_state(b, t, State::barrier);
  t.barrier_op = op;
  t.predicate = predicate;
  t.site = site;
  ++b.at_barrier;
  suspend(b, t);
  return b.barrier_result;
}

uint64_t warp_collective(const WarpCall& c) {
  Block& b = current_block(op_name(c.op));
  const int tid = b.current;
  Thread& t = b.threads[static_cast<std::size_t>(tid)];
  const int warp = tid / 32;
  const int lane = tid % 32;
  const unsigned bit = 1u << lane;
  Warp& w = b.warps[static_cast<std::size_t>(warp)];
  if (!(c.mask & bit))
    thread_fail(b, std::string(op_name(c.op)) + " with mask " + hex(c.mask) +
                       " that does not include the calling lane (warp collective mask mismatch)");
  if (is_shuffle(c.op) && (c.width < 1 || c.width > 32 || (c.width & (c.width - 1)) != 0))
    thread_fail(b, std::string(op_name(c.op)) + " with width " + std::to_string(c.width) +
                       " (must be a power of two from 1 to 32)");
  if (c.op == WarpOp::wmma_mma && w.present != 0xffffffffu)
    thread_fail(b, "wmma::mma_sync needs a full warp; warp " + std::to_string(warp) + " has lanes " +
                       lane_ranges(w.present) + " only");
  std::size_t gi = w.groups.size();
  for (std::size_t k = 0; k < w.groups.size(); ++k) {
    const Group& g = w.groups[k];
    if (g.mask == c.mask) {
      if (g.op != c.op)
        thread_fail(b, std::string("warp collective mismatch: calls ") + op_name(c.op) + " with mask " +
                           hex(c.mask) + " while lanes " + lane_ranges(g.arrived) + " wait in " + op_name(g.op) +
                           " with the same mask");
      gi = k;
    } else if (g.mask & bit) {
      thread_fail(b, std::string("warp collective mask mismatch: calls ") + op_name(c.op) + " with mask " +
                         hex(c.mask) + " while lanes " + lane_ranges(g.arrived) + " wait for this lane in " +
                         op_name(g.op) + " with mask " + hex(g.mask));
    }
  }
  if (gi == w.groups.size()) {
    w.groups.emplace_back();
    Group& g = w.groups.back();
    g.op = c.op;
    g.mask = c.mask;
    g.arrived = 0;
    g.width = c.width;
    g.finish = c.finish;
  }
  Group& g = w.groups[gi];
  g.arrived |= bit;
  g.value[lane] = c.value;
  g.param[lane] = c.param;
  for (int p = 0; p < 4; ++p) g.ptrs[lane][p] = c.ptrs[p];
  set_state(b, t, State::warp);
  t.op = c.op;
  t.mask = c.mask;
  if (!complete_if_ready(b, warp, gi)) suspend(b, t);
  return t.result;
}

unsigned active_mask() {
  Block& b = current_block("__activemask");
  const Warp& w = b.warps[static_cast<std::size_t>(b.current / 32)];
  return w.present & ~w.exited;
}

void cp_async(void* dst, const void* src, int bytes, int src_bytes) {
  Block& b = current_block("cp_async");
  if (bytes != 4 && bytes != 8 && bytes != 16)
    thread_fail(b, "cp_async of " + std::to_string(bytes) + " bytes (must be 4, 8 or 16)");
  if (src_bytes < 0 || src_bytes > bytes)
    thread_fail(b, "cp_async with src_bytes " + std::to_string(src_bytes) + " outside [0, " + std::to_string(bytes) +
                       "]");
  const auto align = static_cast<uintptr_t>(bytes);
  if (reinterpret_cast<uintptr_t>(dst) % align != 0 || reinterpret_cast<uintptr_t>(src) % align != 0)
    thread_fail(b, "cp_async of " + std::to_string(bytes) + " bytes needs both addresses aligned to " +
                       std::to_string(bytes));
  b.threads[static_cast<std::size_t>(b.current)].copies.push_back(
      AsyncCopy{dst, src, bytes, src_bytes, 0, reinterpret_cast<uintptr_t>(__builtin_return_address(0))});
}

void cp_async_commit() {
  Block& b = current_block("cp_async_commit");
  Thread& t = b.threads[static_cast<std::size_t>(b.current)];
  ++t.last_group;
  for (AsyncCopy& c : t.copies)
    if (c.group == 0) c.group = t.last_group;
}

void cp_async_wait(int pending_groups) {
  Block& b = current_block("cp_async_wait");
  Thread& t = b.threads[static_cast<std::size_t>(b.current)];
  const int newest_done = t.last_group - pending_groups;
  auto done = [&](const AsyncCopy& c) { return c.group != 0 && c.group <= newest_done; };
  for (const AsyncCopy& c : t.copies)
    if (done(c)) perform(b, c);
  std::erase_if(t.copies, done);
}

void kernel_fail(const std::string& what) {
  if (t_block == nullptr || t_block->current < 0) throw Error("gan::simt: " + what);
  thread_fail(*t_block, what);
}

}  // namespace gan::simt::detail

namespace gan::simt {

void* dynamic_shared() { return detail::current_block("dynamic shared memory").shared; }

}  // namespace gan::simt
