// compression_table: suffix hashes computed right to left, looked up
// longest first, each hit checked against the bytes already written.
#include "codec/compression.hpp"

#include <array>

namespace agora::dns {

namespace {

constexpr std::size_t max_pointer_offset = 0x3fff;

std::uint64_t mix(std::uint64_t h, std::span<const std::uint8_t> label) {
  // FNV-1a over the label's length byte and bytes, from the suffix's hash.
  for (std::uint8_t c : label) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h ^ (h >> 29);
}

/// Does the name written at `offset` in `out` (following our own pointers)
/// spell `suffix` exactly?
bool spells(const std::vector<std::byte>& out, std::size_t offset, std::span<const std::uint8_t> suffix) {
  std::size_t at = offset, k = 0;
  for (std::size_t steps = 0; steps < 2 * max_name_length && at < out.size(); ++steps) {
    const auto b = static_cast<std::uint8_t>(out[at]);
    if ((b & 0xc0) == 0xc0) {
      if (at + 1 >= out.size()) return false;
      const std::size_t target = (b & 0x3fu) << 8 | static_cast<std::uint8_t>(out[at + 1]);
      if (target >= at) return false;
      at = target;
      continue;
    }
    if (k >= suffix.size() || suffix[k] != b || at + b >= out.size() ||
        suffix.size() - k < 1u + b)
      return false;
    for (std::size_t i = 1; i <= b; ++i)
      if (static_cast<std::uint8_t>(out[at + i]) != suffix[k + i]) return false;
    if (b == 0) return k + 1 == suffix.size();
    at += 1 + b;
    k += 1 + b;
  }
  return false;
}

}  // namespace

void compression_table::write_name(std::vector<std::byte>& out, const name& n, bool compress) {
  const auto wire = n.wire();
  // Label starts and the hash of the suffix at each (the root has none).
  std::array<std::uint16_t, 128> starts;
  std::array<std::uint64_t, 128> hashes;
  std::size_t labels = 0;
  for (std::size_t at = 0; wire[at] != 0; at += 1 + wire[at]) starts[labels++] = static_cast<std::uint16_t>(at);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = labels; i-- > 0;) {
    h = mix(h, wire.subspan(starts[i], 1u + wire[starts[i]]));
    hashes[i] = h;
  }
  // The longest suffix already written.
  std::size_t literal = labels;  // labels written out in full
  std::size_t pointer = 0;
  if (compress) {
    for (std::size_t i = 0; i < labels; ++i) {
      const auto found = offsets_.find(hashes[i]);
      if (found != offsets_.end() && spells(out, found->second, wire.subspan(starts[i]))) {
        literal = i;
        pointer = found->second;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < literal; ++i) {
    const std::size_t offset = out.size();
    if (offset <= max_pointer_offset && offsets_.emplace(hashes[i], static_cast<std::uint16_t>(offset)).second)
      log_.push_back({hashes[i], static_cast<std::uint16_t>(offset)});
    const auto label = wire.subspan(starts[i], 1u + wire[starts[i]]);
    for (std::uint8_t c : label) out.push_back(static_cast<std::byte>(c));
  }
  if (literal < labels) {
    out.push_back(static_cast<std::byte>(0xc0 | pointer >> 8));
    out.push_back(static_cast<std::byte>(pointer & 0xff));
  } else {
    out.push_back(std::byte{0});
  }
}

void compression_table::rollback(std::size_t size) {
  while (!log_.empty() && log_.back().offset >= size) {
    offsets_.erase(log_.back().hash);
    log_.pop_back();
  }
}

}  // namespace agora::dns
