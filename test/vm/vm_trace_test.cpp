// Tracing (agora/trace.hpp): the lines a traced VM writes for turns,
// endpoints, presence/absence, messages, link batches and actors; nothing
// when off; a throwing sink is contained.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/trace.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

using lines_t = std::vector<std::string>;

struct member {
  std::string name;
};

/// present(name) publisher, present($who) watcher, say/crash commands.
actor<member> user(std::string name) {
  return actor<member>{{name}, name}
      .publish(rec("present", name))
      .subscribe("present($who)"_t, {.on_presence = [](turn<member>&, const presence&) {},
                                     .on_absence = [](turn<member>&, const absence&) {}})
      .on_message(rec("say", name, cap("text")),
                  [](turn<member>& t, const message& m) {
                    t.send(rec("said", t.state.name, m["text"]));
                  })
      .on_message(rec("crash", name), [](turn<member>& t, const message&) {
        t.send(sym("never"));  // recorded, then rolled back
        throw std::runtime_error("out of coffee");
      });
}

/// A child of a nested VM subscribing job(_) one level up.
actor<> job_taker() {
  return actor<>{{}, "taker"}.on_start([](turn<>& t) {
    t.meta().subscribe("job(_)"_t, {.on_presence = [](turn<>&, const presence&) {},
                                    .on_message = [](turn<>&, const message&) {}});
  });
}

/// The scenario every test runs: spawn, presence, message, crash with
/// rollback, a nested VM with a meta-level endpoint, a message to it.
void scenario(vm& v) {
  v.spawn(user("alice"));
  v.spawn(user("bob"));
  v.run();
  v.send(rec("say", "alice", "hi"));
  v.run();
  v.send(rec("crash", "bob"));
  v.run();
  v.spawn(nested_vm("jobs", {job_taker()}));
  v.run();
  v.spawn(actor<>{{}, "boss"}.publish("job(_)"_t));
  v.run();
  v.send("job(1)"_t);
  v.run();
}

bool has(const lines_t& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

/// Index of `line` in `lines` (lines.size() if absent).
std::size_t at(const lines_t& lines, const std::string& line) {
  return static_cast<std::size_t>(std::find(lines.begin(), lines.end(), line) - lines.begin());
}

}  // namespace

TEST_CASE("a traced VM writes one readable line per event, terms in text syntax") {
  vm v("root");
  lines_t lines;
  v.trace(trace_into(lines));
  scenario(v);
  INFO([&] {
    std::string all;
    for (auto& l : lines) all += l + "\n";
    return all;
  }());

  // Spawn and endpoints (ids: alice is actor 0 with endpoints 0-3).
  CHECK(has(lines, "[root] spawn actor 0 \"alice\": 4 endpoints"));
  CHECK(has(lines, "[root] endpoint 0 added: actor 0 \"alice\", publisher participant present(\"alice\")"));
  CHECK(has(lines, "[root] endpoint 1 added: actor 0 \"alice\", subscriber participant present($who)"));
  // Presence: queued when the flow appears, delivered as a turn.
  CHECK(has(lines, "[root] presence queued for endpoint 1 of actor 0 \"alice\": present(\"bob\")"));
  CHECK(has(lines, "[root] turn 1: actor 0 \"alice\" <- presence present(\"alice\") at endpoint 1"));
  CHECK(has(lines, "[root] turn 1: actor 0 \"alice\" committed 0 actions"));
  // A message, and the send its turn makes.
  CHECK(has(lines, "[root] send say(\"alice\", \"hi\") -> 1 endpoint"));
  const auto said = at(lines, "[root] turn 5: actor 0 \"alice\" <- message say(\"alice\", \"hi\") at endpoint 2");
  REQUIRE(said < lines.size());
  CHECK(lines[said + 1] == "[root] turn 5: actor 0 \"alice\" committed 1 action");
  CHECK(lines[said + 2] == "[root] send said(\"alice\", \"hi\") -> 0 endpoints");
  // A crash: rolled back, the actor stops, its endpoints go, peers are told.
  const auto crash = at(lines, "[root] turn 6: actor 1 \"bob\" crashed(\"out of coffee\"), rolled back 1 action");
  REQUIRE(crash < lines.size());
  CHECK(lines[crash + 1] == "[root] stop actor 1 \"bob\", why crashed(\"out of coffee\")");
  CHECK(has(lines, "[root] endpoint 4 removed: actor 1 \"bob\", publisher participant present(\"bob\"), why crashed(\"out of coffee\")"));
  CHECK(has(lines, "[root] absence queued for endpoint 1 of actor 0 \"alice\": present(\"bob\"), why crashed(\"out of coffee\")"));
  CHECK(!has(lines, "[root] send never -> 0 endpoints"));
  // The nested VM: its lines carry its path; its meta-level endpoint goes up
  // in a link batch and becomes the proxy's endpoint in the parent.
  CHECK(has(lines, "[root] spawn actor 1.g1 \"jobs\": nested vm, 1 child"));
  CHECK(has(lines, "[root/jobs] spawn actor 0 \"taker\": 0 endpoints, on_start"));
  CHECK(has(lines, "[root/jobs] turn 1: actor 0 \"taker\" <- start"));
  CHECK(has(lines, "[root/jobs] endpoint 0 added: actor 0 \"taker\", subscriber participant job(_), level 1"));
  CHECK(has(lines, "[root/jobs] up: 1 link op (add)"));
  CHECK(has(lines, "[root] endpoint 4.g1 added: actor 1.g1 \"jobs\", subscriber participant job(_)"));
  // Presence in the parent travels down and is queued in the child.
  CHECK(has(lines, "[root] presence queued for endpoint 4.g1 of actor 1.g1 \"jobs\": job(_)"));
  CHECK(has(lines, "[root/jobs] presence from parent queued for endpoint 0 of actor 0 \"taker\": job(_)"));
  // A message in the parent reaches the child through the proxy.
  CHECK(has(lines, "[root] send job(1) -> 1 endpoint"));
  CHECK(has(lines, "[root] down to actor 1.g1 \"jobs\": 1 link op (event)"));
  CHECK(has(lines, "[root/jobs] turn 3: actor 0 \"taker\" <- message job(1) at endpoint 0"));
  CHECK(v.stats().trace_errors == 0);
}

TEST_CASE("tracing off writes nothing, also in nested VMs started while it was on") {
  lines_t lines;
  vm v("root");
  scenario(v);  // never traced
  CHECK(lines.empty());

  vm w("root");
  w.trace(trace_into(lines));
  w.spawn(nested_vm("jobs", {job_taker()}));
  w.run();
  CHECK(!lines.empty());
  lines.clear();
  w.trace({});  // off everywhere in the tree
  w.send("job(1)"_t);
  w.spawn(user("carol"));
  w.run();
  CHECK(lines.empty());
}

TEST_CASE("a sink that throws is contained: lines are counted, the VM behaves the same") {
  vm plain("root"), traced("root");
  traced.trace([](std::string_view) { throw std::runtime_error("disk full"); });
  scenario(plain);
  scenario(traced);
  CHECK(traced.stats().trace_errors > 0);
  CHECK(plain.stats().trace_errors == 0);
  CHECK(traced.stats().turns == plain.stats().turns);
  CHECK(traced.stats().crashes == plain.stats().crashes);
  CHECK(traced.actor_count() == plain.actor_count());
  CHECK(traced.endpoint_count() == plain.endpoint_count());
}

TEST_CASE("trace_to writes whole lines to a stream") {
  std::ostringstream out;
  vm v("room");
  v.trace(trace_to(out));
  v.send(sym("ping"));
  CHECK(out.str() == "[room] send ping -> 0 endpoints\n");
}
