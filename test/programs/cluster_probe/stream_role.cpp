#include <fmt/format.h>

#include <set>

#include "agora/drivers/timer.hpp"
#include "agora/text.hpp"
#include "probe_roles.hpp"

namespace agora_probe {

using namespace agora;

namespace {

struct stream_state {
  stream_options o{};
  output out{};
  bool subscribed = false;          // a seq(ID, _) subscriber flow is present
  std::set<std::int64_t> peers{};   // probe(N) seen, N != ID
  bool started = false;
  std::int64_t next = 0;            // the next number to send
  endpoint_id pacer{};              // the timer's subscription (paced streams)
};

term next_batch(std::int64_t id) { return rec("probe_stream_next", id); }
term pacer_id(std::int64_t id) { return rec("probe_stream_pacer", id); }

void send_batch(turn<stream_state>& t);

/// Starts once a subscriber and the awaited peers are all there.
void maybe_start(turn<stream_state>& t) {
  auto& s = t.state;
  if (s.started || !s.subscribed || static_cast<std::int64_t>(s.peers.size()) < s.o.wait_peers) return;
  s.started = true;
  s.out(fmt::format("stream {}: sending {} to seq(_, _) (peers seen: {})", s.o.id, s.o.count, s.peers.size()));
  if (s.o.interval_ms == 0) {
    t.send(next_batch(s.o.id));
    return;
  }
  s.pacer = timer::every(t, pacer_id(s.o.id), std::chrono::milliseconds(s.o.interval_ms),
                         [](turn<stream_state>& t, std::int64_t) { send_batch(t); });
}

/// One batch per turn; the next one comes with a message to itself, or
/// with the pacing timer.
void send_batch(turn<stream_state>& t) {
  auto& s = t.state;
  auto cluster = t.at_cluster();
  const std::int64_t end = std::min(s.o.count, s.next + s.o.batch);
  const term pad(std::string(static_cast<std::size_t>(s.o.payload), 'x'));
  for (; s.next < end; ++s.next) cluster.send(rec("seq", s.o.id, s.next, pad));
  if (s.next < s.o.count) {
    if (s.o.interval_ms == 0) t.send(next_batch(s.o.id));
    return;
  }
  if (s.o.interval_ms > 0) timer::cancel(t, s.pacer, pacer_id(s.o.id));
  s.out(fmt::format("stream {}: sent {}", s.o.id, s.o.count));
}

}  // namespace

actor_spec stream_role(stream_options o, output out) {
  const std::int64_t id = o.id;
  return actor<stream_state>{{.o = o, .out = std::move(out)}, "stream"}
      .on_message(next_batch(id), [](turn<stream_state>& t, const message&) { send_batch(t); })
      .on_start([](turn<stream_state>& t) {
        auto cluster = t.at_cluster();
        const std::int64_t id = t.state.o.id;
        cluster.publish(rec("seq", id, _, _), {.on_presence = [](turn<stream_state>& t, const presence&) {
                                              t.state.subscribed = true;
                                              maybe_start(t);
                                            }});
        cluster.subscribe("probe($n)"_t, {.on_presence = [](turn<stream_state>& t, const presence& p) {
                                            if (p["n"].as_int() == t.state.o.id) return;
                                            t.state.peers.insert(p["n"].as_int());
                                            t.state.out(fmt::format("stream {}: peer {} present", t.state.o.id,
                                                                    p["n"].as_int()));
                                            maybe_start(t);
                                          }});
        cluster.publish(rec("probe", id));
      });
}

actor_spec idle_role(std::int64_t id) {
  return actor<>{}.on_start([id](turn<>& t) { t.at_cluster().publish(rec("probe", id)); });
}

}  // namespace agora_probe
