// memory: heap bytes per idle actor holding one endpoint, over 100,000
// actors (target ≤ 256 B), and the same for idle CAF 0.17 event-based actors
// in the same run. Heap in use is glibc mallinfo2 (uordblks + hblkhd), taken
// after the VM exists and before the first spawn, and again after the last.
//
// Each agora actor has an int state and one subscriber endpoint inbox(i)
// with a message handler. Two ways of building them are measured:
//  - bytes_per_actor: the natural way, actor<int>{i}.on_message(inbox(i), f)
//    per actor; the builder type-erases f anew for every actor, so every
//    actor owns its own handler set (a shared_ptr'd object holding three
//    std::function).
//  - bytes_per_actor_shared_handlers: the handlers are made once
//    (make_handlers) and the one handler_set is shared, through the
//    endpoint_spec's shared_ptr, by all 100,000 endpoints; each actor still
//    has its own state and its own topic.
#include <malloc.h>

#include <agora/vm.hpp>

#include <stdexcept>

#include "caf_baselines.hpp"
#include "report.hpp"

using namespace agora;

namespace agora_bench {

std::size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

namespace {

double bytes_per_actor(std::size_t count, bool shared_handlers) {
  vm v("memory");
  auto on_inbox = [](turn<int>& t, const message&) { ++t.state; };
  const auto shared = make_handlers(handlers<int>{.on_message = on_inbox});
  const std::size_t before = heap_in_use();
  for (std::size_t k = 0; k < count; ++k) {
    auto i = static_cast<std::int64_t>(k);
    if (shared_handlers) {
      v.spawn(actor<int>{static_cast<int>(k)}.subscribe(rec("inbox", i), shared));
    } else {
      v.spawn(actor<int>{static_cast<int>(k)}.on_message(rec("inbox", i), on_inbox));
    }
  }
  v.run();
  const std::size_t after = heap_in_use();
  if (v.actor_count() != count || v.endpoint_count() != count)
    throw std::runtime_error("memory: actors did not all stay up");
  // Sanity: the actors are alive and routable.
  v.send(rec("inbox", static_cast<std::int64_t>(count - 1)));
  if (v.run() != 1) throw std::runtime_error("memory: inbox not delivered");
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(count);
}

}  // namespace

void bench_memory(const options& opt) {
  const std::size_t count = opt.quick ? 20'000 : 100'000;
  // Heap accounting is deterministic: one run of each is enough.
  const double natural = bytes_per_actor(count, false);
  const double shared = bytes_per_actor(count, true);
  emit("memory", "bytes_per_actor", natural, "B");
  emit("memory", "bytes_per_actor_shared_handlers", shared, "B");
  const double caf = caf_idle_actor_bytes(count, opt.caf_threads);
  emit("memory", "caf_bytes_per_actor", caf, "B");
  emit("memory", "ratio_vs_caf", natural / caf, "ratio");
}

}  // namespace agora_bench
