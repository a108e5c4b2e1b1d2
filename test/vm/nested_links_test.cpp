// nested_links (vm/src/nested_links.hpp): link operations decoded, what is
// meant for a VM further up forwarded, one batch per link per flush, and
// the ends of links. The VM is played by a host that writes down what it is
// asked to do.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "nested_links.hpp"

using namespace agora;
using namespace agora::detail;

namespace {

std::string describe(const link_op& op) {
  auto event_name = [](event_kind k) -> std::string_view {
    switch (k) {
      case event_kind::presence: return "presence";
      case event_kind::absence: return "absence";
      case event_kind::feedback: return "feedback";
      default: return "message";
    }
  };
  switch (op.kind) {
    case link_op_kind::add: return fmt::format("add {} {}", op.id, op.topic.to_string());
    case link_op_kind::remove: return fmt::format("remove {} {}", op.id, op.why.to_string());
    case link_op_kind::send:
      return fmt::format("{} {} @{}", op.event == event_kind::feedback ? "feedback" : "send",
                         op.topic.to_string(), op.levels);
    case link_op_kind::spawn: return fmt::format("spawn @{}", op.levels);
    case link_op_kind::done: return "done " + op.why.to_string();
    case link_op_kind::event:
      return fmt::format("{} {} {}{}", event_name(op.event), op.id, op.topic.to_string(),
                         op.event == event_kind::absence ? " " + op.why.to_string() : "");
    case link_op_kind::stop: return "stop " + op.why.to_string();
  }
  return "?";
}

/// Keeps the batches handed to it, one line each.
class recording_channel final : public link_channel {
 public:
  explicit recording_channel(std::vector<std::string>& out) : out_(&out) {}
  void deliver(link_batch&& ops) override {
    std::string line;
    for (const auto& op : ops) line += (line.empty() ? "" : ", ") + describe(op);
    out_->push_back(line);
  }

 private:
  std::vector<std::string>* out_;
};

/// The VM's side, as nested_links calls it.
struct fake_host {
  nested_links* links = nullptr;
  std::vector<std::string> calls;
  std::vector<std::shared_ptr<const relay_handlers>> relays;  // by endpoint slot - 100
  std::uint32_t next_endpoint = 100;

  std::uint32_t add_relay(std::uint32_t proxy, link_op& add,
                          std::shared_ptr<const relay_handlers> handlers) {
    calls.push_back(fmt::format("add_relay proxy {} topic {} levels {}", proxy,
                                add.topic.to_string(), add.levels));
    relays.push_back(std::move(handlers));
    return next_endpoint++;
  }
  void remove_relay(std::uint32_t e, const term& why) {
    calls.push_back(fmt::format("remove_relay {} {}", e, why.to_string()));
  }
  void route(const term& m, bool feedback) {
    calls.push_back(fmt::format("{} {}", feedback ? "feedback" : "route", m.to_string()));
  }
  void spawn_from_child(std::uint32_t proxy, actor_spec&& spec) {
    calls.push_back(fmt::format("spawn_from_child proxy {} {}", proxy, spec.name));
  }
  void child_done(std::uint32_t proxy, const term& why) {
    calls.push_back(fmt::format("child_done proxy {} {}", proxy, why.to_string()));
    links->close(proxy, why, *this);  // as the VM does when its proxy stops
  }
  void event_from_parent(link_op& op) {
    calls.push_back(fmt::format("event {} {}", op.id, op.topic.to_string()));
  }
  void stop_from_parent(const term& why) { calls.push_back("stop_all " + why.to_string()); }
  void on_batch(const link_batch& ops, std::uint32_t proxy) {
    calls.push_back(proxy == no_slot ? fmt::format("batch up, {} ops", ops.size())
                                     : fmt::format("batch to {}, {} ops", proxy, ops.size()));
  }
};

/// A VM with a parent, and one nested VM behind proxy slot 7.
struct fixture {
  std::vector<std::string> sent_up, sent_down;
  nested_links links{std::make_unique<recording_channel>(sent_up)};
  fake_host host;
  std::uint64_t link = 0;

  fixture() {
    host.links = &links;
    auto& l = links.open(7);
    l.down = std::make_unique<recording_channel>(sent_down);
    link = l.id;
  }
};

link_op add_op(std::uint64_t child_endpoint, term topic, std::uint8_t levels = 1) {
  return {.kind = link_op_kind::add, .levels = levels, .id = child_endpoint,
          .topic = std::move(topic)};
}

link_batch batch(std::vector<link_op> ops) { return link_batch(ops.begin(), ops.end()); }

}  // namespace

TEST_CASE("nested_links: a child's endpoint becomes a relay whose events go down at the flush") {
  fixture f;
  f.links.receive_up(f.link, batch({add_op(11, "x(_)"_t)}), f.host);
  CHECK(f.host.calls == std::vector<std::string>{"add_relay proxy 7 topic x(_) levels 1"});
  REQUIRE(f.host.relays.size() == 1);

  f.host.relays[0]->relay(event_kind::presence, "x(1)"_t, {});
  f.host.relays[0]->relay(event_kind::absence, "x(1)"_t, sym("quit"));
  CHECK(f.sent_down.empty());  // nothing before the flush
  f.links.flush(f.host);
  CHECK(f.sent_down == std::vector<std::string>{"presence 11 x(1), absence 11 x(1) quit"});
  CHECK(f.host.calls.back() == "batch to 7, 2 ops");

  f.links.flush(f.host);  // nothing new: nothing handed over
  CHECK(f.sent_down.size() == 1);
  CHECK(f.sent_up.empty());
}

TEST_CASE("nested_links: a child's endpoint withdrawn takes its relay with it, once") {
  fixture f;
  f.links.receive_up(f.link, batch({add_op(11, "x"_t), add_op(12, "y"_t)}), f.host);
  f.links.receive_up(f.link,
                     batch({{.kind = link_op_kind::remove, .id = 12, .why = sym("deleted")},
                            {.kind = link_op_kind::remove, .id = 12, .why = sym("deleted")},
                            {.kind = link_op_kind::remove, .id = 99, .why = sym("deleted")}}),
                     f.host);
  CHECK(f.host.calls == std::vector<std::string>{"add_relay proxy 7 topic x levels 1",
                                                 "add_relay proxy 7 topic y levels 1",
                                                 "remove_relay 101 deleted"});
}

TEST_CASE("nested_links: sends and spawns for a VM further up go up with one level less") {
  fixture f;
  auto spec = std::make_shared<actor_spec>();
  spec->name = "sibling";
  f.links.receive_up(f.link,
                     batch({{.kind = link_op_kind::send, .levels = 1, .topic = "here"_t},
                            {.kind = link_op_kind::send, .event = event_kind::feedback,
                             .levels = 1, .topic = "credit"_t},
                            {.kind = link_op_kind::send, .levels = 3, .topic = "far"_t},
                            {.kind = link_op_kind::spawn, .levels = 1, .spec = spec},
                            {.kind = link_op_kind::spawn, .levels = 2,
                             .spec = std::make_shared<actor_spec>()}}),
                     f.host);
  CHECK(f.host.calls == std::vector<std::string>{"route here", "feedback credit",
                                                 "spawn_from_child proxy 7 sibling"});
  f.links.flush(f.host);
  CHECK(f.sent_up == std::vector<std::string>{"send far @2, spawn @1"});
}

TEST_CASE("nested_links: a child that reports done ends its link, the rest of its batch is dropped") {
  fixture f;
  f.links.receive_up(f.link,
                     batch({{.kind = link_op_kind::done, .why = sym("quit")},
                            {.kind = link_op_kind::send, .levels = 1, .topic = "late"_t}}),
                     f.host);
  CHECK(f.host.calls == std::vector<std::string>{"child_done proxy 7 quit"});
  CHECK(f.links.nested_count() == 0);
  CHECK(f.sent_down.empty());  // a child that is done is not told to stop

  f.links.receive_up(f.link, batch({{.kind = link_op_kind::send, .levels = 1, .topic = "stale"_t}}),
                     f.host);
  CHECK(f.host.calls.size() == 1);  // the link is gone: ignored
}

TEST_CASE("nested_links: closing a link sends what was collected, then stop") {
  fixture f;
  f.links.receive_up(f.link, batch({add_op(11, "x"_t)}), f.host);
  f.host.relays[0]->relay(event_kind::message, "x"_t, {});
  f.links.close(7, sym("quit"), f.host);
  CHECK(f.sent_down == std::vector<std::string>{"message 11 x, stop quit"});
  CHECK(f.links.nested_count() == 0);

  f.links.close(7, sym("quit"), f.host);  // no link any more: nothing
  f.links.flush(f.host);
  CHECK(f.sent_down.size() == 1);
}

TEST_CASE("nested_links: links are told apart by id") {
  fixture f;
  std::vector<std::string> second_down;
  auto& second = f.links.open(9);
  second.down = std::make_unique<recording_channel>(second_down);
  CHECK(second.id != f.link);
  f.links.receive_up(second.id, batch({add_op(1, "b"_t)}), f.host);
  f.links.receive_up(f.link, batch({add_op(1, "a"_t)}), f.host);
  CHECK(f.host.calls == std::vector<std::string>{"add_relay proxy 9 topic b levels 1",
                                                 "add_relay proxy 7 topic a levels 1"});
  f.host.relays[0]->relay(event_kind::message, "b"_t, {});
  f.links.flush(f.host);
  CHECK(second_down == std::vector<std::string>{"message 1 b"});
  CHECK(f.sent_down.empty());
}

TEST_CASE("nested_links: events from the parent go to the host until it stops this VM") {
  fixture f;
  f.links.up({.kind = link_op_kind::send, .levels = 1, .topic = "pending"_t});
  f.links.receive_down(batch({{.kind = link_op_kind::event, .id = 4, .topic = "e(1)"_t},
                              {.kind = link_op_kind::stop, .why = sym("shutdown")},
                              {.kind = link_op_kind::event, .id = 4, .topic = "e(2)"_t}}),
                       f.host);
  CHECK(f.host.calls == std::vector<std::string>{"event 4 e(1)", "stop_all shutdown"});
  CHECK(f.links.stopped_by_parent());

  // The parent has forgotten this VM: nothing more goes up, nothing more comes down.
  f.links.up({.kind = link_op_kind::send, .levels = 1, .topic = "after"_t});
  f.links.flush(f.host);
  CHECK(f.sent_up.empty());
  f.links.receive_down(batch({{.kind = link_op_kind::event, .id = 4, .topic = "e(3)"_t}}), f.host);
  CHECK(f.host.calls.size() == 2);
}

TEST_CASE("nested_links: what goes up is handed over in order, once per flush") {
  fixture f;
  CHECK(f.links.has_parent());
  f.links.up({.kind = link_op_kind::send, .levels = 1, .topic = "a"_t});
  f.links.up({.kind = link_op_kind::send, .levels = 1, .topic = "b"_t});
  f.links.flush(f.host);
  f.links.flush(f.host);
  f.links.up({.kind = link_op_kind::send, .levels = 1, .topic = "c"_t});
  f.links.flush(f.host);
  CHECK(f.sent_up == std::vector<std::string>{"send a @1, send b @1", "send c @1"});
  CHECK_FALSE(nested_links(nullptr).has_parent());
}
