// The presence rules (vm/src/presence_book.hpp), docs/DESIGN.md section 3:
// visibility, flows, and flow counts with multiplicity.
#include <doctest/doctest.h>

#include "agora/text.hpp"
#include "presence_book.hpp"

using namespace agora;
using namespace agora::detail;

TEST_CASE("sees: participants are seen by all, the others only by everything") {
  const auto p = interest::participant, o = interest::observer, e = interest::everything;
  // seer, seen
  CHECK(sees(p, p));
  CHECK(sees(o, p));
  CHECK(sees(e, p));
  CHECK_FALSE(sees(p, o));
  CHECK_FALSE(sees(o, o));
  CHECK(sees(e, o));
  CHECK_FALSE(sees(p, e));
  CHECK_FALSE(sees(o, e));
  CHECK(sees(e, e));
}

TEST_CASE("flow_of: the intersection of two overlapping topics") {
  CHECK(flow_of("pair(1, _)"_t, "pair(_, 2)"_t) == "pair(1, 2)"_t);
  CHECK(flow_of("pair(_, 2)"_t, "pair(1, _)"_t) == "pair(1, 2)"_t);
  // A concrete topic is the flow itself, on either side.
  CHECK(flow_of("present($who)"_t, rec("present", "alice")) == rec("present", "alice"));
  CHECK(flow_of(rec("present", "alice"), "present($who)"_t) == rec("present", "alice"));
  CHECK(flow_of("x(1)"_t, "x(1)"_t) == "x(1)"_t);
}

TEST_CASE("flow_counts: presence on 0 -> 1 only, absence on 1 -> 0 only") {
  flow_counts f;
  const term alice = rec("present", "alice");
  CHECK(f.empty());
  CHECK(f.count_up(alice));        // first: presence
  CHECK_FALSE(f.count_up(alice));  // a second counterpart with the same flow
  CHECK(f.count(alice) == 2);
  CHECK(f.size() == 1);
  CHECK_FALSE(f.count_down(alice));  // one is left
  CHECK(f.count(alice) == 1);
  CHECK(f.count_down(alice));  // the last: absence
  CHECK(f.count(alice) == 0);
  CHECK(f.empty());
  CHECK(f.count_up(alice));  // and back: presence again
}

TEST_CASE("flow_counts: flows are counted apart") {
  flow_counts f;
  CHECK(f.count_up("x(1)"_t));
  CHECK(f.count_up("x(2)"_t));
  CHECK(f.size() == 2);
  CHECK(f.count_down("x(1)"_t));
  CHECK(f.count("x(2)"_t) == 1);
}

TEST_CASE("flow_counts: a flow never counted does not go away") {
  flow_counts f;
  CHECK_FALSE(f.count_down("x(1)"_t));
  CHECK(f.empty());
  f.count_up("x(1)"_t);
  CHECK_FALSE(f.count_down("x(2)"_t));
  CHECK(f.count("x(1)"_t) == 1);
}
