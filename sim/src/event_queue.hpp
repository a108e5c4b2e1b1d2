// The simulation's agenda: callbacks ordered by (virtual time, the order
// they were scheduled in), so that a run is a function of its seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

namespace agora::sim::detail {

using clock = std::chrono::steady_clock;

class event_queue {
 public:
  void at(clock::time_point t, std::function<void()> f) {
    queue_.push(entry{t, ++seq_, std::move(f)});
  }
  bool empty() const noexcept { return queue_.empty(); }
  clock::time_point next_time() const { return queue_.top().at; }
  /// Takes the earliest event out.
  std::function<void()> pop() {
    auto f = std::move(const_cast<entry&>(queue_.top()).run);
    queue_.pop();
    return f;
  }
  std::size_t size() const noexcept { return queue_.size(); }

 private:
  struct entry {
    clock::time_point at;
    std::uint64_t seq;
    std::function<void()> run;
    bool operator<(const entry& o) const noexcept {
      return at != o.at ? at > o.at : seq > o.seq;  // a min-queue
    }
  };
  std::priority_queue<entry> queue_;
  std::uint64_t seq_ = 0;
};

}  // namespace agora::sim::detail
