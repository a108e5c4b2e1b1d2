// The presence scenario's checker catches each kind of violation it is
// there for (so that a clean run over thousands of seeds means something).
#include <doctest/doctest.h>

#include "presence_checker.hpp"

using namespace agora;
using agora::sim::detail::checker;
using agora::sim::detail::observer;

namespace {

observer node(std::int64_t id) {
  observer o;
  o.id = id;
  o.incarnation = 1;
  return o;
}

bool mentions(const std::vector<std::string>& v, std::string_view part) {
  for (auto& s : v)
    if (s.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a clean stream passes: presence, messages in order, absence with node_lost") {
  checker c;
  auto o = node(1);
  c.on_presence(o, {2, 7});
  c.on_message(o, {2, 7}, 40);  // the first one seen may be any N
  c.on_message(o, {2, 7}, 41);
  c.on_absence(o, {2, 7}, rec("node_lost", 2));
  c.on_presence(o, {2, 7});     // the link came back: a gap is allowed once
  c.on_message(o, {2, 7}, 50);
  c.on_absence(o, {2, 7}, sym("shutdown"));
  c.on_presence(o, {2, 9});     // a newer incarnation
  c.on_message(o, {2, 9}, 1);
  CHECK(c.take().empty());
}

TEST_CASE("a message lost while its sender stayed present is a violation") {
  checker c;
  auto o = node(1);
  c.on_presence(o, {2, 7});
  c.on_message(o, {2, 7}, 1);
  c.on_message(o, {2, 7}, 3);
  CHECK(mentions(c.take(), "1 lost while its sender stayed present"));
}

TEST_CASE("out of order, before presence, twice present: violations") {
  checker c;
  auto o = node(1);
  c.on_message(o, {3, 1}, 5);
  c.on_presence(o, {2, 7});
  c.on_presence(o, {2, 7});
  c.on_message(o, {2, 7}, 5);
  c.on_message(o, {2, 7}, 4);
  auto v = c.take();
  CHECK(mentions(v, "before its sender's presence"));
  CHECK(mentions(v, "2 times"));
  CHECK(mentions(v, "out of order"));
}

TEST_CASE("anything from an old incarnation after a newer one is a violation") {
  checker c;
  auto o = node(1);
  c.on_presence(o, {2, 9});
  c.on_presence(o, {2, 7});
  c.on_message(o, {2, 7}, 1);
  auto v = c.take();
  CHECK(mentions(v, "presence from n2's old incarnation 7"));
  CHECK(mentions(v, "a message from n2's old incarnation 7"));
}

TEST_CASE("a lost node withdrawn with another reason, or an absence never seen, is a violation") {
  checker c;
  auto o = node(1);
  c.on_presence(o, {2, 7});
  c.on_absence(o, {2, 7}, sym("deleted"));
  c.on_absence(o, {4, 1}, rec("node_lost", 4));
  c.on_presence(o, {5, 1});
  c.on_absence(o, {5, 1}, rec("node_lost", 6));  // the wrong node
  auto v = c.take();
  CHECK(mentions(v, "withdrawn with deleted"));
  CHECK(mentions(v, "absence of seq(4, 1, _) it did not see"));
  CHECK(mentions(v, "withdrawn with node_lost(6)"));
}
