#include "agora/sim/nemesis.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kernel.hpp"

namespace agora::sim {

nemesis::nemesis(simulation& sim, nemesis_config config)
    : sim_(sim), config_(config), random_(detail::mix_seed(sim.seed() ^ 0x6e656d65736973ull)) {}

clock::duration nemesis::draw(clock::duration lo, clock::duration hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>((hi - lo).count());
  return lo + clock::duration(static_cast<clock::rep>(random_() % (span + 1)));
}

std::uint64_t nemesis::pick_node() {
  const auto ids = sim_.node_ids();
  return ids[random_() % ids.size()];
}

void nemesis::schedule(clock::time_point from, clock::time_point until) {
  until_ = until;
  sim_.at(from + draw(clock::duration::zero(), 2 * config_.mean_interval), [this] { strike(); });
  sim_.at(until, [this] { undo_all(); });
}

void nemesis::strike() {
  const auto now = sim_.now();
  if (now >= until_ || sim_.node_ids().empty()) return;
  sim_.at(now + draw(clock::duration::zero(), 2 * config_.mean_interval), [this] { strike(); });

  std::vector<int> kinds;
  if (config_.crashes) kinds.push_back(0);
  if (config_.stops) kinds.push_back(1);
  if (config_.pauses) kinds.push_back(2);
  if (config_.partitions && sim_.node_ids().size() > 1) kinds.push_back(3);
  if (config_.cuts && sim_.node_ids().size() > 1) kinds.push_back(4);
  if (config_.late_timers) kinds.push_back(5);
  if (kinds.empty()) return;
  const auto lasting = draw(config_.min_fault, config_.max_fault);
  const auto end = std::min(now + lasting, until_);
  const std::uint64_t id = pick_node();
  switch (kinds[random_() % kinds.size()]) {
    case 0:
      if (sim_.state(id) != node_state::up) return;
      log_.push_back(fmt::format("crash n{}", id));
      sim_.crash(id);
      sim_.at(end, [this, id] {
        if (sim_.state(id) == node_state::crashed) sim_.restart(id);
      });
      break;
    case 1:
      if (sim_.state(id) != node_state::up) return;
      log_.push_back(fmt::format("stop n{}", id));
      sim_.stop(id);
      sim_.at(end, [this, id] {
        if (sim_.state(id) == node_state::stopped) sim_.restart(id);
      });
      break;
    case 2:
      if (sim_.state(id) != node_state::up) return;
      log_.push_back(fmt::format("pause n{}", id));
      sim_.pause(id);
      sim_.at(end, [this, id] { sim_.resume(id); });
      break;
    case 3: {
      auto ids = sim_.node_ids();
      std::shuffle(ids.begin(), ids.end(), random_);
      const std::size_t split = 1 + random_() % (ids.size() - 1);
      std::vector<std::vector<std::uint64_t>> groups{{ids.begin(), ids.begin() + split},
                                                     {ids.begin() + split, ids.end()}};
      log_.push_back("partition");
      sim_.partition(groups);
      sim_.at(end, [this] { sim_.heal(); });
      break;
    }
    case 4: {
      std::uint64_t to = pick_node();
      if (to == id) return;
      log_.push_back(fmt::format("cut n{} -> n{}", id, to));
      sim_.cut(id, to);
      sim_.at(end, [this, id, to] { sim_.restore(id, to); });
      break;
    }
    case 5:
      log_.push_back(fmt::format("late n{}", id));
      sim_.set_late(id, draw(10ms, 2s));
      sim_.at(end, [this, id] { sim_.set_late(id, clock::duration::zero()); });
      break;
  }
}

void nemesis::undo_all() {
  log_.push_back("undo all");
  sim_.heal();
  for (auto id : sim_.node_ids()) {
    switch (sim_.state(id)) {
      case node_state::paused: sim_.resume(id); break;
      case node_state::crashed:
      case node_state::stopped: sim_.restart(id); break;
      case node_state::up: break;
    }
    sim_.set_late(id, clock::duration::zero());
  }
}

}  // namespace agora::sim
