// One slice of a hosted VM (vm/src/slice.hpp): it ends after max_events
// events, as soon as the batch for the level above has reached
// max_up_batch operations, or once it has run max_time; what it collected
// goes up in order.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "agora/actor.hpp"
#include "agora/text.hpp"
#include "slice.hpp"
#include "upper_link.hpp"
#include "vm_access.hpp"

using namespace agora;
using namespace agora::detail;

namespace {

struct counting_level final : upper_level {
  std::vector<std::size_t> batch_sizes;
  std::vector<std::int64_t> sent;
  void start(root_port&) override {}
  void apply(std::span<upper_action> batch) override {
    batch_sizes.push_back(batch.size());
    for (auto& a : batch) sent.push_back(a.topic[0].as_int());
  }
  void stop() override {}
};

/// A root VM as an executor hosts it: its batches go up when flushed.
std::unique_ptr<agora::vm> hosted_root(std::shared_ptr<counting_level> level) {
  auto core = std::make_unique<vm_core>("root");
  core->attach_upper(std::make_unique<upper_channel>(std::move(level)));
  return vm_access::wrap(std::move(core));
}

/// Sends `per_turn` messages at the cluster in each of `turns` turns.
actor_spec sender(std::int64_t turns, std::int64_t per_turn) {
  struct st {
    std::int64_t next = 0, turns_left = 0;
  };
  st s;
  s.turns_left = turns;
  return actor<st>{s}.on_start([per_turn](turn<st>& t) {
    t.subscribe("again"_t, {.on_message = [per_turn](turn<st>& t, const message&) {
                  for (std::int64_t i = 0; i < per_turn; ++i) t.at_cluster().send(rec("m", t.state.next++));
                  if (--t.state.turns_left > 0) t.send("again"_t);
                }});
    t.send("again"_t);
  });
}

}  // namespace

TEST_CASE("a slice ends once the batch for the level above is full, and the batches keep the order") {
  auto level = std::make_shared<counting_level>();
  auto v = hosted_root(level);
  v->spawn(sender(10, 30));
  const slice_bounds bounds{.max_events = 1000, .max_up_batch = 100};
  std::size_t slices = 0;
  while (run_slice(*v, bounds) > 0) {
    vm_access::core(*v).flush_links();
    ++slices;
  }
  // start, then 10 turns of 30 sends: a batch goes up after each 4th turn.
  CHECK(level->batch_sizes == std::vector<std::size_t>{120, 120, 60});
  REQUIRE(level->sent.size() == 300);
  for (std::size_t i = 0; i < level->sent.size(); ++i) CHECK(level->sent[i] == static_cast<std::int64_t>(i));
  CHECK(slices == 3);
}

TEST_CASE("a slice ends after max_events events") {
  auto level = std::make_shared<counting_level>();
  auto v = hosted_root(level);
  v->spawn(sender(10, 1));
  const slice_bounds bounds{.max_events = 4, .max_up_batch = 4096};
  CHECK(run_slice(*v, bounds) == 4);  // start and three turns
  vm_access::core(*v).flush_links();
  CHECK(level->batch_sizes == std::vector<std::size_t>{3});
}

TEST_CASE("a slice ends once it has run for max_time, looked at every 16 events") {
  auto level = std::make_shared<counting_level>();
  auto v = hosted_root(level);
  struct st {
    int left = 100;
  };
  // Each turn takes at least 100 us, so 16 take longer than the bound.
  v->spawn(actor<st>{{}}.on_start([](turn<st>& t) {
    t.subscribe("slow"_t, {.on_message = [](turn<st>& t, const message&) {
                  std::this_thread::sleep_for(std::chrono::microseconds(100));
                  if (--t.state.left > 0) t.send("slow"_t);
                }});
    t.send("slow"_t);
  }));
  const slice_bounds bounds{.max_events = 1000, .max_up_batch = 4096,
                            .max_time = std::chrono::microseconds(1000)};
  CHECK(run_slice(*v, bounds) == 16);
  CHECK(run_slice(*v, bounds) == 16);  // and the next slice goes on from there
}
