#include "submit_display.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace agora::node_app {

namespace {
constexpr auto plain_every = std::chrono::seconds(2);
constexpr int bar_width = 24;
}  // namespace

submit_display::submit_display(std::int64_t parts, bool terminal) : parts_(parts), terminal_(terminal) {}

void submit_display::update(const std::map<std::uint64_t, std::int64_t>& running, std::int64_t done) {
  if (running == running_ && done == done_) return;
  running_ = running;
  done_ = done;
  changed_ = true;
}

std::string submit_display::line() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string nodes;
  for (const auto& [node, n] : running_)
    if (n > 0) nodes += fmt::format("{}{}:{}", nodes.empty() ? "" : " ", node, n);
  return fmt::format("{}/{} parts done · running {} · {:.1f} s · {:.2f} parts/s", done_, parts_,
                     nodes.empty() ? "none" : nodes, elapsed, elapsed > 0 ? done_ / elapsed : 0.0);
}

void submit_display::tick() {
  if (terminal_) {
    const int filled = parts_ > 0 ? static_cast<int>(bar_width * done_ / parts_) : 0;
    fmt::print(stderr, "\r\x1b[2K[{}{}] {}", std::string(filled, '#'), std::string(bar_width - filled, '.'), line());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!changed_ || now - last_plain_ < plain_every) return;
  fmt::print(stderr, "agora-node submit: {}\n", line());
  last_plain_ = now;
  changed_ = false;
}

void submit_display::finish() {
  if (terminal_ && drawn_) fmt::print(stderr, "\r\x1b[2K");
  else if (!terminal_ && changed_) fmt::print(stderr, "agora-node submit: {}\n", line());
  std::fflush(stderr);
}

}  // namespace agora::node_app
