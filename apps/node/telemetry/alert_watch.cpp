#include "alert_watch.hpp"

#include <fmt/format.h>

namespace agora::node_app {

namespace {
long long ms(std::chrono::steady_clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}
}  // namespace

std::vector<alert> alert_watch::check(const node_sample& s, std::chrono::steady_clock::time_point now) {
  std::vector<alert> out;
  for (const auto& m : s.cluster.members) {
    auto& before = member_states_[m.id];
    if (m.state != before && !before.empty()) {
      if (m.state == "lost") out.push_back({log_level::warn, fmt::format("node {} lost: {}", m.id, m.reason)});
      if (m.state == "left") out.push_back({log_level::info, fmt::format("node {} left: {}", m.id, m.reason)});
    }
    before = m.state;
  }

  const auto bound_us = std::chrono::duration_cast<std::chrono::microseconds>(settings_.rtt_alert).count();
  std::set<std::uint64_t> slow;
  for (const auto& l : s.cluster.links)
    if (l.rtt_us > bound_us) {
      slow.insert(l.peer);
      if (!slow_links_.count(l.peer))
        out.push_back({log_level::warn, fmt::format("link to node {} slow: round trip {} ms, above {} ms", l.peer,
                                                    l.rtt_us / 1000, settings_.rtt_alert.count())});
    }
  slow_links_ = std::move(slow);

  const bool over = settings_.rss_alert_bytes > 0 && s.process.rss_bytes && *s.process.rss_bytes > settings_.rss_alert_bytes;
  if (over && !memory_over_)
    out.push_back({log_level::warn, fmt::format("resident memory {} MiB, above {} MiB", *s.process.rss_bytes >> 20,
                                                settings_.rss_alert_bytes >> 20)});
  memory_over_ = over;

  if (s.cluster.leader) {
    if (leaderless_since_ && now - *leaderless_since_ > settings_.election_alert)
      out.push_back({log_level::warn, fmt::format("election took {} ms: node {} leads in epoch {}",
                                                  ms(now - *leaderless_since_), s.cluster.leader->id,
                                                  s.cluster.leader->epoch)});
    leader_seen_ = true;
    leaderless_since_.reset();
    leaderless_told_ = false;
  } else if (leader_seen_) {
    if (!leaderless_since_) leaderless_since_ = now;
    if (!leaderless_told_ && now - *leaderless_since_ > settings_.election_alert) {
      out.push_back({log_level::error, fmt::format("no leader for {} ms", ms(now - *leaderless_since_))});
      leaderless_told_ = true;
    }
  }
  return out;
}

}  // namespace agora::node_app
