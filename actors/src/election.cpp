// The elector (election.hpp): one actor per member node, in its ground VM.
// Everything it knows comes from presence and messages at the cluster
// level; its time is the count of its renewal ticks.
#include "agora/actors/election.hpp"

#include <fmt/format.h>

#include <map>

#include "agora/drivers/timer.hpp"

namespace agora::election {

namespace {

using tick_t = std::uint64_t;

/// A duration in whole renewal ticks (at least one).
tick_t ticks(std::chrono::milliseconds d, std::chrono::milliseconds renew) {
  return std::max<tick_t>(1, static_cast<tick_t>((d.count() + renew.count() - 1) / renew.count()));
}

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

bool uint_field(const term& t) { return t.is_int() && t.as_int() >= 0; }
std::uint64_t u64(const term& t) { return static_cast<std::uint64_t>(t.as_int()); }

/// A node does not stand in its first ticks, so that its links form and it
/// sees who else is there (all nodes started at once elect one leader).
constexpr tick_t startup_ticks = 3;

struct elector_state {
  config cfg;
  std::function<void(const state&)> on_change;
  bool guard = false;
  std::size_t majority = 1;
  tick_t stable_ticks = 1, lease_ticks = 1, timeout_ticks = 1;

  state st;
  state reported;  // the last state told to on_change
  tick_t now = 0;
  struct seen_elector {
    int count = 0;
    tick_t since = 0;  // seen continuously since this tick
    bool candidate = true;
  };
  std::map<std::uint64_t, seen_elector> electors;  // live electors (this node's own included)
  leader_view leaders;
  // The leader this node follows and since when it has seen it (damping).
  std::optional<leader_info> followed;
  tick_t followed_since = 0;
  tick_t asked_to_step_down = 0;  // when this node last asked the leader to make way
  tick_t next_try = startup_ticks;
  std::uint64_t voted_epoch = 0;
  // The candidate this node last voted for (itself included) and when:
  // until that candidate's leader assertion is seen, its candidacy times
  // out or its elector goes, no other candidate gets this node's vote —
  // or both could win, each before the other's assertion arrived.
  struct promise_t {
    std::uint64_t candidate = 0;
    tick_t at = 0;
  };
  std::optional<promise_t> promise;
  // vote requests not answered yet: candidate -> (epoch, tick received)
  std::map<std::uint64_t, std::pair<std::uint64_t, tick_t>> requests;
  // candidate
  tick_t stood_at = 0;
  std::set<std::uint64_t> grants;
  // leader
  endpoint_id assertion{};
  tick_t lease_until = 0;
  std::map<tick_t, std::set<std::uint64_t>> acks;  // renewal tick -> who acknowledged it

  std::uint64_t me() const { return cfg.id; }
  std::size_t live() const { return electors.size(); }
  /// Who should lead, as this node sees it: the highest elector seen for
  /// stable_after — or, when none has been seen that long (a cold start),
  /// the highest one seen at all. A node that keeps restarting is never
  /// preferred over the stable ones: that is the damping.
  std::uint64_t preferred() const {
    for (auto it = electors.rbegin(); it != electors.rend(); ++it)
      if (it->second.candidate && now >= it->second.since + stable_ticks) return it->first;
    for (auto it = electors.rbegin(); it != electors.rend(); ++it)
      if (it->second.candidate) return it->first;
    return 0;  // no candidate in sight
  }
  bool sees_majority() const { return !guard || live() >= majority; }
  void learn(std::uint64_t epoch) { st.newest_epoch = std::max(st.newest_epoch, epoch); }
  /// The newest epoch that someone was granted votes in or led, as far as
  /// this node knows: renewals older than it are refused (stale_epoch).
  /// This node's own candidacies count only once won: an epoch it stood
  /// for and nobody granted must not depose a working leader whose
  /// assertion it had not seen yet (a node back from SIGSTOP links to some
  /// members before the leader, sees no leader and stands).
  std::uint64_t fence = 0;
  void learn_established(std::uint64_t epoch) {
    learn(epoch);
    fence = std::max(fence, epoch);
  }
  /// The lowest epoch a candidacy may use: above the floors of the electors
  /// seen (their incarnations) and what voters answered. Floors are not
  /// epochs anyone led in: they fence no leader.
  std::uint64_t floor = 0;
  void raise_floor(std::uint64_t f) { floor = std::max(floor, f); }
};

using eturn = turn<elector_state>;

void report(eturn& t) {
  auto& s = t.state;
  s.st.lease_until = s.st.role == role::leader ? s.lease_until : 0;
  const auto& a = s.st;
  const auto& b = s.reported;
  if (a.role == b.role && a.newest_epoch == b.newest_epoch && a.epoch == b.epoch &&
      a.acting == b.acting && a.elections == b.elections && a.lease_until == b.lease_until)
    return;
  s.reported = a;
  if (s.on_change) s.on_change(a);
}

void become_follower(eturn& t, tick_t retry_after) {
  auto& s = t.state;
  if (s.st.role == role::leader) {
    t.remove(s.assertion);  // leader(ME, EPOCH) goes: everyone sees the absence
    s.acks.clear();
  }
  s.st.role = role::follower;
  s.st.acting = false;
  s.grants.clear();
  s.next_try = std::max(s.next_try, s.now + retry_after);
}

void become_leader(eturn& t) {
  auto& s = t.state;
  s.st.role = role::leader;
  s.st.acting = true;
  s.learn_established(s.st.epoch);
  // The votes acknowledged the candidacy sent at stood_at: the first lease.
  s.lease_until = s.stood_at + s.lease_ticks;
  s.grants.clear();
  s.assertion = t.at_cluster().publish(leader_topic(i64(s.me()), i64(s.st.epoch)));
}

/// Grants needed to win: a majority of the configured size with the guard,
/// else every elector this node sees.
std::size_t needed(const elector_state& s) { return s.guard ? s.majority : s.live(); }

void check_win(eturn& t) {
  auto& s = t.state;
  if (s.st.role == role::candidate && s.grants.size() >= needed(s)) become_leader(t);
}

void stand(eturn& t) {
  auto& s = t.state;
  s.st.epoch = std::max(s.st.newest_epoch, s.floor) + 1;
  s.learn(s.st.epoch);
  s.voted_epoch = s.st.epoch;
  s.st.role = role::candidate;
  s.st.elections += 1;
  s.stood_at = s.now;
  s.grants = {s.me()};
  s.promise = elector_state::promise_t{s.me(), s.now};
  t.at_cluster().send(rec("vote_request", i64(s.me()), i64(s.st.epoch)));
  check_win(t);
}

/// What a follower does now: nothing, stand, or ask a lower leader to make way.
void evaluate(eturn& t) {
  auto& s = t.state;
  const auto current = s.leaders.current();
  if (current != s.followed) {
    s.followed = current;
    s.followed_since = s.now;
  }
  if (s.st.role != role::follower) return;
  if (current && current->id != s.me()) {
    if (s.cfg.preempt && current->id < s.me() && s.preferred() == s.me() && s.sees_majority() &&
        s.now >= s.followed_since + s.stable_ticks &&
        (s.asked_to_step_down == 0 || s.now >= s.asked_to_step_down + s.timeout_ticks)) {
      s.asked_to_step_down = s.now;  // asked again later if the request is lost
      t.at_cluster().send(rec("step_down", i64(s.me()), i64(current->epoch)));
    }
    return;
  }
  if (!current && s.preferred() == s.me() && s.sees_majority() && s.now >= s.next_try) stand(t);
}

/// The leader's checks: is it still entitled to act?
void check_leader(eturn& t) {
  auto& s = t.state;
  if (s.st.role != role::leader) return;
  if (!s.sees_majority()) return become_follower(t, 1);
  if (s.guard && s.now >= s.lease_until) return become_follower(t, 1);
  // Another leader with a newer epoch (or the same, with a higher id).
  if (auto c = s.leaders.current(); c && c->id != s.me() &&
      std::pair(c->epoch, c->id) > std::pair(s.st.epoch, s.me()))
    return become_follower(t, s.timeout_ticks);
}

void answer_requests(eturn& t);

void after(eturn& t) {
  check_leader(t);
  answer_requests(t);
  evaluate(t);
  report(t);
}

// ---- events -----------------------------------------------------------------------

void on_tick(eturn& t, std::int64_t n) {
  auto& s = t.state;
  s.now = static_cast<tick_t>(n);
  s.st.tick = s.now;
  if (s.st.role == role::candidate && s.now >= s.stood_at + s.timeout_ticks)
    become_follower(t, 1 + s.me() % 3);  // spread retries a little
  if (s.st.role == role::leader) {
    s.acks[s.now].insert(s.me());
    if (s.acks.size() > s.lease_ticks + 1) s.acks.erase(s.acks.begin());
    if (!s.guard) s.lease_until = s.now + s.lease_ticks;
    t.at_cluster().send(rec("lease", i64(s.me()), i64(s.st.epoch), i64(s.now)));
  }
  after(t);
}

bool promised_elsewhere(elector_state& s, std::uint64_t candidate) {
  if (!s.promise || s.promise->candidate == candidate) return false;
  const bool still = s.now < s.promise->at + s.timeout_ticks && s.electors.contains(s.promise->candidate);
  if (!still) s.promise.reset();
  return still;
}

/// Answers the vote requests that can be answered now. One that only waits
/// for this node's view to catch up (the old leader's loss not seen yet, a
/// higher node not yet gone) is held for up to the election timeout, so that
/// a failover is not slowed down by the order in which nodes notice a loss.
void answer_requests(eturn& t) {
  auto& s = t.state;
  for (auto it = s.requests.begin(); it != s.requests.end();) {
    const auto [candidate, r] = *it;
    const auto [epoch, since] = r;
    std::optional<bool> answer;
    if (epoch <= s.voted_epoch || epoch <= s.st.newest_epoch || epoch <= s.cfg.incarnation)
      answer = false;  // not newer than what this node knows, or below its floor
    else if (!s.leaders.current() && s.preferred() <= candidate && s.st.role != role::leader &&
             !promised_elsewhere(s, candidate))
      answer = true;
    else if (s.now >= since + s.timeout_ticks)
      answer = false;  // a leader, or a higher node, is still there
    if (!answer) {
      ++it;
      continue;
    }
    it = s.requests.erase(it);
    if (*answer) {
      s.voted_epoch = epoch;
      s.learn_established(epoch);
      s.promise = elector_state::promise_t{candidate, s.now};
      if (s.st.role == role::candidate) become_follower(t, s.timeout_ticks);
    }
    t.at_cluster().send(rec("vote", i64(s.me()), i64(candidate), i64(epoch),
                            *answer ? sym("true") : sym("false"),
                            i64(std::max(s.st.newest_epoch, s.cfg.incarnation))));
  }
}

void on_vote_request(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[0]) || !uint_field(b[1])) return;
  const std::uint64_t candidate = u64(b[0]), epoch = u64(b[1]);
  if (candidate == s.me()) return;
  s.requests[candidate] = {epoch, s.now};  // a newer request replaces an older one
  after(t);
}

void on_vote(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[0]) || !uint_field(b[2]) || !uint_field(b[4])) return;
  const std::uint64_t voter = u64(b[0]), epoch = u64(b[2]), newest = u64(b[4]);
  const bool granted = b[3] == sym("true");
  s.raise_floor(newest);
  if (s.st.role == role::candidate && epoch == s.st.epoch) {
    if (granted) {
      s.grants.insert(voter);
      check_win(t);
    } else if (newest >= epoch) {
      become_follower(t, 0);  // a newer epoch exists: stand again above it, at once
    } else {
      become_follower(t, s.timeout_ticks);  // Bully's OK: a higher node, or a leader, is there
    }
  }
  after(t);
}

void on_lease(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[0]) || !uint_field(b[1]) || !b[2].is_int()) return;
  const std::uint64_t leader = u64(b[0]), epoch = u64(b[1]);
  if (leader == s.me()) return;
  if (epoch < s.fence) {
    // A command from an old epoch: refused, and its sender told.
    t.at_cluster().send(rec("stale_epoch", i64(s.me()), i64(leader), i64(epoch), i64(s.fence)));
    return;
  }
  s.learn_established(epoch);
  if (s.st.role == role::candidate) {
    // Standing above it, this node gave its own vote to its candidacy: no
    // acknowledgement (both could count it) until the candidacy ends.
    if (s.st.epoch > epoch) return after(t);
    become_follower(t, s.timeout_ticks);
  }
  t.at_cluster().send(rec("lease_ack", i64(s.me()), i64(leader), i64(epoch), b[2]));
  after(t);
}

void on_lease_ack(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[0]) || !uint_field(b[2]) || !uint_field(b[3])) return;
  if (s.st.role != role::leader || u64(b[2]) != s.st.epoch) return;
  const tick_t at = u64(b[3]);
  auto it = s.acks.find(at);
  if (it == s.acks.end()) return;  // too old to matter
  it->second.insert(u64(b[0]));
  if (it->second.size() >= s.majority) s.lease_until = std::max(s.lease_until, at + s.lease_ticks);
  after(t);
}

void on_stale_epoch(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[2]) || !uint_field(b[3])) return;
  s.learn_established(u64(b[3]));  // the refuser's fence
  if (s.st.role == role::leader && u64(b[2]) == s.st.epoch) become_follower(t, s.timeout_ticks);
  after(t);
}

void on_step_down(eturn& t, const message& m) {
  auto& s = t.state;
  const term& b = m.body();
  if (!uint_field(b[0]) || !uint_field(b[1])) return;
  const std::uint64_t higher = u64(b[0]);
  if (s.st.role == role::leader && u64(b[1]) == s.st.epoch && higher > s.me() &&
      s.electors.contains(higher))
    become_follower(t, s.timeout_ticks);
  after(t);
}

std::optional<leader_info> read_leader(const term& flow) {
  if (!flow.is_record("leader", 2) || !uint_field(flow[0]) || !uint_field(flow[1])) return std::nullopt;
  return leader_info{u64(flow[0]), u64(flow[1])};
}

}  // namespace

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::follower: return "follower";
    case role::candidate: return "candidate";
    case role::leader: return "leader";
  }
  return "?";
}

std::vector<std::string> validate(const config& c, std::chrono::milliseconds deadline) {
  std::vector<std::string> problems;
  if (c.id == 0) problems.push_back("election: the node id must be 1 or more");
  if (c.renew.count() <= 0) problems.push_back("election: renew must be positive");
  if (c.lease < c.renew) problems.push_back("election: lease must be at least one renew");
  if (c.lease + c.renew >= deadline)
    problems.push_back(fmt::format(
        "election: lease ({} ms) + renew ({} ms) must stay below the failure deadline ({} ms), "
        "or an old leader could still act when the others elect a new one",
        c.lease.count(), c.renew.count(), deadline.count()));
  if (c.quorum.value_or(false) && c.cluster_size == 0)
    problems.push_back("election: the quorum guard needs the cluster size");
  return problems;
}

bool leader_view::appeared(leader_info l) {
  const auto before = current();
  seen_.insert({l.epoch, l.id});
  return current() != before;
}

bool leader_view::disappeared(leader_info l) {
  const auto before = current();
  if (auto it = seen_.find({l.epoch, l.id}); it != seen_.end()) seen_.erase(it);
  return current() != before;
}

std::optional<leader_info> leader_view::current() const {
  if (seen_.empty()) return std::nullopt;
  const auto& [epoch, id] = *seen_.rbegin();
  return leader_info{id, epoch};
}

std::optional<term> epoch_fence::admit(std::uint64_t epoch) {
  if (epoch < newest_) return rec("stale_epoch", i64(epoch), i64(newest_));
  newest_ = epoch;
  return std::nullopt;
}

actor_spec elector(config c, std::function<void(const state&)> on_change) {
  if (auto problems = validate(c, std::chrono::milliseconds::max()); !problems.empty())
    throw std::invalid_argument(problems.front());
  elector_state init;
  init.guard = c.quorum.value_or(c.cluster_size >= 3);
  init.majority = init.guard ? c.cluster_size / 2 + 1 : 1;
  init.stable_ticks = ticks(c.stable_after, c.renew);
  init.lease_ticks = ticks(c.lease, c.renew);
  init.timeout_ticks = ticks(c.election_timeout, c.renew);
  init.floor = c.incarnation;  // nothing below it is ours to use
  init.cfg = std::move(c);
  init.on_change = std::move(on_change);
  return actor<elector_state>{std::move(init)}.on_start([](eturn& t) {
    auto& s = t.state;
    const std::int64_t me = i64(s.me());
    auto cl = t.at_cluster();
    cl.publish(rec("elector", me, i64(s.cfg.incarnation), s.cfg.candidate ? sym("true") : sym("false")));
    cl.subscribe(rec("elector", _, _, _),
                 {.on_presence = [](eturn& t, const presence& p) {
                    if (!uint_field(p.flow()[0]) || !uint_field(p.flow()[1])) return;
                    auto& e = t.state.electors[u64(p.flow()[0])];
                    if (e.count++ == 0) e.since = t.state.now;
                    e.candidate = p.flow()[2] == sym("true");
                    t.state.raise_floor(u64(p.flow()[1]));  // it votes for nothing below its floor
                    after(t);
                  },
                  .on_absence = [](eturn& t, const absence& a) {
                    if (!uint_field(a.flow()[0])) return;
                    auto it = t.state.electors.find(u64(a.flow()[0]));
                    if (it != t.state.electors.end() && --it->second.count <= 0) t.state.electors.erase(it);
                    after(t);
                  }});
    cl.subscribe(leader_topic(),
                 {.on_presence = [](eturn& t, const presence& p) {
                    if (auto l = read_leader(p.flow())) {
                      t.state.learn_established(l->epoch);
                      t.state.leaders.appeared(*l);
                      // From now on the leader rule holds this node's vote.
                      if (t.state.promise && t.state.promise->candidate == l->id) t.state.promise.reset();
                    }
                    after(t);
                  },
                  .on_absence = [](eturn& t, const absence& a) {
                    if (auto l = read_leader(a.flow())) {
                      auto& s = t.state;
                      s.leaders.disappeared(*l);
                      // Another node's leadership is gone: whatever this
                      // node held back for (a leader, or a higher node it
                      // made way for) has gone with it, so it may stand at
                      // once (the absence is what starts an election).
                      if (l->id != s.me() && !s.leaders.current())
                        s.next_try = std::min(s.next_try, std::max(s.now, startup_ticks));
                    }
                    after(t);
                  }});
    cl.subscribe(rec("vote_request", _, _), {.on_message = on_vote_request});
    cl.subscribe(rec("vote", _, me, _, _, _), {.on_message = on_vote});
    cl.subscribe(rec("lease", _, _, _), {.on_message = on_lease});
    cl.subscribe(rec("lease_ack", _, me, _, _), {.on_message = on_lease_ack});
    cl.subscribe(rec("stale_epoch", _, me, _, _), {.on_message = on_stale_epoch});
    cl.subscribe(rec("step_down", _, _), {.on_message = on_step_down});
    timer::every(t, rec("election_tick", me), s.cfg.renew, on_tick);
    report(t);
  });
}

}  // namespace agora::election
