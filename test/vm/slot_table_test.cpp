// slot_table (vm/src/slot_table.hpp): reserve, mark live, look up by id,
// release with a generation bump, reuse through the free list.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "agora/event.hpp"
#include "slot_table.hpp"

using namespace agora;
using namespace agora::detail;

namespace {

using test_id = slot_id<struct test_tag>;

struct test_slot {
  std::string payload;
  std::uint32_t generation = 0;
  std::uint32_t next = no_slot;  // the free list, or another list while in use
  slot_status status = slot_status::free;
};

using table = slot_table<test_slot, test_id, &test_slot::next>;

}  // namespace

TEST_CASE("slot_table: new slots come in index order, reserved and not live") {
  table t;
  CHECK(t.reserve() == 0);
  CHECK(t.reserve() == 1);
  CHECK(t.size() == 2);
  CHECK(t[1].status == slot_status::reserved);
  CHECK(t[1].next == no_slot);
  CHECK(t.live(t.id_of(1)) == nullptr);
  CHECK(t.live_count() == 0);
}

TEST_CASE("slot_table: a live slot is found by its id, not by another's") {
  table t;
  const auto a = t.reserve();
  const auto b = t.reserve();
  t.mark_live(a);
  t[a].payload = "a";
  CHECK(t.live_count() == 1);
  REQUIRE(t.live(t.id_of(a)) != nullptr);
  CHECK(t.live(t.id_of(a))->payload == "a");
  CHECK(t.live(t.id_of(b)) == nullptr);                    // reserved only
  CHECK(t.live(test_id::make(7, 0)) == nullptr);           // beyond the table
  CHECK(t.live(test_id::make(a, 1)) == nullptr);           // another generation
}

TEST_CASE("slot_table: release bumps the generation, so a stale id names nothing") {
  table t;
  const auto a = t.reserve();
  t.mark_live(a);
  const test_id old = t.id_of(a);
  t.release(a);
  CHECK(t.live_count() == 0);
  CHECK(t[a].status == slot_status::free);
  CHECK(t.live(old) == nullptr);

  const auto again = t.reserve();
  CHECK(again == a);  // reused
  t.mark_live(again);
  CHECK(t.id_of(again).generation() == old.generation() + 1);
  CHECK(t.live(old) == nullptr);  // the new occupant is not the old one
  CHECK(t.live(t.id_of(again)) == &t[again]);
}

TEST_CASE("slot_table: release resets the slot to its defaults") {
  table t;
  const auto a = t.reserve();
  t[a].payload = "left over";
  t.mark_live(a);
  t.release(a);
  CHECK(t[a].payload.empty());
  CHECK(t.reserve() == a);
  CHECK(t[a].payload.empty());
  CHECK(t[a].next == no_slot);
}

TEST_CASE("slot_table: released slots are reused most recent first, then new ones") {
  table t;
  for (int i = 0; i < 4; ++i) t.mark_live(t.reserve());
  t.release(1);
  t.release(3);
  CHECK(t.reserve() == 3);
  CHECK(t.reserve() == 1);
  CHECK(t.reserve() == 4);
  CHECK(t.live_count() == 2);  // slots 0 and 2; the reused ones are reserved only
}

TEST_CASE("slot_table: releasing a reserved slot leaves the live count alone") {
  table t;
  t.mark_live(t.reserve());
  const auto r = t.reserve();
  t.release(r);
  CHECK(t.live_count() == 1);
  CHECK(t.reserve() == r);
}

TEST_CASE("slot_table: slots do not move as the table grows") {
  table t;
  const auto a = t.reserve();
  test_slot* where = &t[a];
  for (int i = 0; i < 10'000; ++i) t.reserve();
  CHECK(&t[a] == where);
}
