#include "proxy/upstream_relay.hpp"

#include <fmt/format.h>

#include <chrono>

#include "agora/drivers/timer.hpp"
#include "proxy/network_query.hpp"

namespace agora::dns {

namespace {

struct relay_state {
  upstream_address upstream;
  term upstream_term;
  std::shared_ptr<const upstream_settings> settings;
  std::size_t outstanding = 0;        // dns.nq(U, _) assertions
  std::size_t timeouts_in_a_row = 0;
  bool down = false;
  std::optional<endpoint_id> state_ep;
  std::uint64_t started = 0, refused = 0;
  std::chrono::milliseconds idle_quit{0};
  std::uint64_t started_at_last_look = 0;
  random_pool random;  // IDs and 0x20 patterns for the queries it starts
};

using relay_turn = turn<relay_state>;

void assert_state(relay_turn& t, term state) {
  auto& s = t.state;
  if (s.state_ep) t.remove(*s.state_ep);
  s.state_ep = t.publish(upstream_state(s.upstream_term, std::move(state)));
}

void go_down(relay_turn& t) {
  auto& s = t.state;
  s.down = true;
  assert_state(t, rec("down", fmt::format("{} timeouts in a row", s.timeouts_in_a_row)));
  timer::once(t, rec("dns.relay.down", s.upstream_term), s.settings->down_for, [](relay_turn& t, std::int64_t) {
    // Up again on probation: one more timeout takes it down again.
    t.state.down = false;
    t.state.timeouts_in_a_row = t.state.settings->down_after_timeouts > 0 ? t.state.settings->down_after_timeouts - 1 : 0;
    assert_state(t, sym("up"));
  });
}

void on_exchange_wanted(relay_turn& t, const presence& p) {
  auto& s = t.state;
  const term& flow = p.flow();  // dns.exchange(U, Q, TOKEN, _)
  if (!flow.is_record("dns.exchange", 4) || !flow[1].is_concrete() || !flow[2].is_concrete()) return;
  const term& q = flow[1];
  const term& token = flow[2];
  if (s.down || s.outstanding >= s.settings->max_outstanding) {
    ++s.refused;
    t.send(exchange_message(
        s.upstream_term, q, token,
        s.down ? failure_result(rcode::servfail, fmt::format("{} is down", s.upstream_term.to_string()))
               : busy_result(fmt::format("{} has {} queries in flight (the limit)", s.upstream_term.to_string(),
                                         s.outstanding))));
    return;
  }
  ++s.started;
  ++s.outstanding;  // counted now; the query's own assertion keeps the count
  t.spawn(network_query(s.upstream, q, token, s.settings, s.random.next_query()));
}

/// Every idle_quit: ends if nothing was asked since the last look.
void look_idle(relay_turn& t) {
  auto& s = t.state;
  if (s.outstanding == 0 && !s.down && s.started == s.started_at_last_look) t.quit();
  s.started_at_last_look = s.started;
}

}  // namespace

term relay_topic(const term& upstream) { return rec("dns.relay", upstream); }

actor_spec upstream_relay(const upstream_address& upstream, std::shared_ptr<const upstream_settings> settings,
                          std::chrono::milliseconds idle_quit) {
  relay_state s;
  s.upstream = upstream;
  s.upstream_term = upstream_term(upstream.host, upstream.port);
  s.settings = std::move(settings);
  s.idle_quit = idle_quit;
  const term u = s.upstream_term;
  actor<relay_state> a{std::move(s), "upstream-relay"};
  a.publish(relay_topic(u));
  a.publish(exchange_topic_of(u), {.on_presence = on_exchange_wanted}, interest::observer);
  // The queries' own assertions: present once spawned (counted already at
  // the spawn), absent when they end, however.
  a.subscribe(network_query_topic(u), {.on_absence = [](relay_turn& t, const absence&) {
                if (t.state.outstanding > 0) --t.state.outstanding;
              }});
  a.subscribe(network_query_outcome_topic(u), {.on_message = [](relay_turn& t, const agora::message& m) {
                auto& s = t.state;
                const term& outcome = m.body()[1];
                if (outcome == sym("ok")) {
                  s.timeouts_in_a_row = 0;
                } else if (outcome == sym("timeout") && !s.down) {
                  if (++s.timeouts_in_a_row >= s.settings->down_after_timeouts && s.settings->down_after_timeouts > 0)
                    go_down(t);
                }
              }});
  a.on_start([](relay_turn& t) {
    assert_state(t, sym("up"));
    if (t.state.idle_quit.count() > 0)
      timer::every(t, rec("dns.relay.idle", t.state.upstream_term), t.state.idle_quit,
                   [](relay_turn& t, std::int64_t) { look_idle(t); });
  });
  return a;
}

}  // namespace agora::dns
