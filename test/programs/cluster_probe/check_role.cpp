#include <fmt/format.h>

#include <map>
#include <memory>
#include <vector>

#include "agora/text.hpp"
#include "probe_roles.hpp"

namespace agora_probe {

using namespace agora;

namespace {

/// What one subscriber endpoint got from one sender.
struct tally {
  std::int64_t received = 0;
  std::int64_t first = -1;     // the first number it got
  std::int64_t next = 0;       // the number it expects next
  std::int64_t gaps = 0;       // numbers skipped
  std::int64_t disorder = 0;   // numbers that came after a later one (or twice)
  bool finished = false;       // it got count-1
};

struct check_state {
  check_options o{};
  output out{};
  std::map<std::int64_t, std::vector<tally>> by_sender{};  // sender -> per subscriber
  bool reported = false;
};

std::string summary(const check_state& s, bool complete) {
  std::vector<std::string> senders;
  for (const auto& [from, subs] : s.by_sender) {
    std::vector<std::int64_t> received, first, gaps, disorder;
    for (const auto& t : subs) {
      received.push_back(t.received);
      first.push_back(t.first);
      gaps.push_back(t.gaps);
      disorder.push_back(t.disorder);
    }
    senders.push_back(fmt::format(R"("{}":{{"received":[{}],"first":[{}],"gaps":[{}],"disorder":[{}]}})", from,
                                  fmt::join(received, ","), fmt::join(first, ","), fmt::join(gaps, ","),
                                  fmt::join(disorder, ",")));
  }
  return fmt::format(R"({{"node":{},"subscribers":{},"count":{},"complete":{},"senders":{{{}}}}})", s.o.id,
                     s.o.subscribers, s.o.count, complete ? "true" : "false", fmt::join(senders, ","));
}

bool complete(const check_state& s) {
  if (static_cast<std::int64_t>(s.by_sender.size()) < s.o.senders) return false;
  for (const auto& [from, subs] : s.by_sender)
    for (const auto& t : subs)
      if (!t.finished) return false;
  return true;
}

void count(turn<check_state>& t, std::size_t subscriber, const message& m) {
  auto& s = t.state;
  auto& subs = s.by_sender[m["from"].as_int()];
  subs.resize(static_cast<std::size_t>(s.o.subscribers));
  auto& k = subs[subscriber];
  const std::int64_t i = m["i"].as_int();
  ++k.received;
  if (k.first < 0) {
    k.first = k.next = i;
  }
  if (i > k.next) k.gaps += i - k.next;
  if (i < k.next) ++k.disorder;
  k.next = std::max(k.next, i + 1);
  if (i == s.o.count - 1) k.finished = true;
  if (!s.reported && complete(s)) {
    s.reported = true;
    s.out("check summary: " + summary(s, true));
  }
}

}  // namespace

actor_spec check_role(check_options o, output out) {
  return actor<check_state>{{.o = o, .out = std::move(out)}, "check"}.on_start([](turn<check_state>& t) {
    auto cluster = t.at_cluster();
    for (std::int64_t j = 0; j < t.state.o.subscribers; ++j)
      cluster.subscribe("seq($from, $i, _)"_t,
                        {.on_message = [j](turn<check_state>& t, const message& m) {
                           count(t, static_cast<std::size_t>(j), m);
                         }});
    cluster.publish(rec("probe", t.state.o.id));
    t.state.out(fmt::format("check {}: {} subscribers of seq(_, _, _)", t.state.o.id, t.state.o.subscribers));
  });
}

}  // namespace agora_probe
