// The simulation's trace: a running hash of everything that happened (so
// that two runs of one seed can be compared event for event) and, when
// asked for, the same events as readable lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace agora::sim::detail {

class trace_log {
 public:
  using sink = std::function<void(std::string_view)>;

  explicit trace_log(sink lines) : lines_(std::move(lines)) {}

  bool readable() const noexcept { return static_cast<bool>(lines_); }

  /// Hashes an event's fields (always) ...
  void mix(std::uint64_t v) noexcept {
    // FNV-1a over the value's bytes, then a final avalanche in hex().
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xff;
      hash_ *= 0x100000001b3ull;
    }
  }
  void mix(std::string_view s) noexcept {
    mix(s.size());
    for (unsigned char c : s) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ull;
    }
  }
  void mix(std::span<const std::byte> bytes) noexcept {
    mix(bytes.size());
    for (std::byte b : bytes) {
      hash_ ^= static_cast<unsigned char>(b);
      hash_ *= 0x100000001b3ull;
    }
  }
  /// ... and writes a line only when a sink is set (`make` builds it).
  template <class F>
  void line(std::chrono::steady_clock::duration since_start, F&& make) {
    if (!lines_) return;
    write(since_start, make());
  }
  /// A line that is hashed as well (faults, notes, logs).
  void hashed_line(std::chrono::steady_clock::duration since_start, std::string_view text) {
    mix(text);
    if (lines_) write(since_start, text);
  }
  std::string hex() const;

 private:
  void write(std::chrono::steady_clock::duration since_start, std::string_view text);
  sink lines_;
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace agora::sim::detail
