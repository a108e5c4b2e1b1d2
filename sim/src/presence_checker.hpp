// The presence scenario's checker: what one incarnation of a node's probe
// saw (presence, absence, sequenced messages), checked against DESIGN
// section 5 as it happens; violations are collected as readable lines.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agora/term.hpp"

namespace agora::sim::detail {

using sender = std::pair<std::int64_t, std::int64_t>;  // (node id, incarnation)

/// What one incarnation of a node's probe saw, checked as it happens.
struct observer {
  std::int64_t id = 0, incarnation = 0;
  std::map<sender, int> present;             // flows seen now, with multiplicity
  std::map<std::int64_t, std::int64_t> newest;  // newest incarnation seen per node
  std::map<sender, std::int64_t> last;       // last N received per sender
  std::set<sender> gap_allowed;              // no N yet since (re)appearing
  std::map<sender, std::uint64_t> received;  // messages per sender
};

class checker {
 public:
  /// `note` gets each violation as it is found (the trace).
  explicit checker(std::function<void(std::string_view)> note = {}) : note_(std::move(note)) {}

  void violation(std::string text) {
    if (note_) note_("violation: " + text);
    if (violations_.size() < 50) violations_.push_back(std::move(text));
    else if (violations_.size() == 50) violations_.push_back("(more violations left out)");
  }
  std::vector<std::string> take() { return std::move(violations_); }

  void on_presence(observer& o, sender s) {
    note_incarnation(o, s, "presence");
    if (++o.present[s] > 1)
      violation(fmt::format("n{} sees seq({}, {}, _) {} times", o.id, s.first, s.second,
                            o.present[s]));
    o.gap_allowed.insert(s);
  }

  void on_absence(observer& o, sender s, const term& why) {
    auto it = o.present.find(s);
    if (it == o.present.end()) {
      violation(fmt::format("n{}: absence of seq({}, {}, _) it did not see", o.id, s.first, s.second));
      return;
    }
    if (--it->second == 0) o.present.erase(it);
    const bool lost = why.is_record("node_lost", 1) && why[0] == term(s.first);
    if (s.first == o.id || !(lost || why == sym("shutdown")))
      violation(fmt::format("n{}: seq({}, {}, _) withdrawn with {} (want node_lost({}) or shutdown)",
                            o.id, s.first, s.second, why.to_string(), s.first));
  }

  void on_message(observer& o, sender s, std::int64_t n) {
    note_incarnation(o, s, "a message");
    ++o.received[s];
    if (!o.present.contains(s))
      violation(fmt::format("n{}: seq({}, {}, {}) before its sender's presence", o.id, s.first,
                            s.second, n));
    auto [it, fresh] = o.last.try_emplace(s, 0);
    if (n <= it->second)
      violation(fmt::format("n{}: seq({}, {}, {}) after N = {}: out of order", o.id, s.first,
                            s.second, n, it->second));
    else if (!fresh && n != it->second + 1 && !o.gap_allowed.contains(s))
      violation(fmt::format("n{}: seq({}, {}, {}) after N = {}: {} lost while its sender stayed "
                            "present",
                            o.id, s.first, s.second, n, it->second, n - it->second - 1));
    it->second = std::max(it->second, n);
    o.gap_allowed.erase(s);
  }

 private:
  void note_incarnation(observer& o, sender s, std::string_view what) {
    auto [it, fresh] = o.newest.try_emplace(s.first, s.second);
    if (s.second < it->second)
      violation(fmt::format("n{}: {} from n{}'s old incarnation {} after it saw incarnation {}",
                            o.id, what, s.first, s.second, it->second));
    it->second = std::max(it->second, s.second);
  }

  std::function<void(std::string_view)> note_;
  std::vector<std::string> violations_;
};


}  // namespace agora::sim::detail
