// agora::dns::name: the wire-form checks, labels, parent, bailiwick and
// case-insensitive comparison.
#include "codec/name.hpp"

#include <algorithm>

namespace agora::dns {

namespace {

constexpr std::uint8_t lower(std::uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

bool same_ignoring_case(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](std::uint8_t x, std::uint8_t y) { return lower(x) == lower(y); });
}

}  // namespace

std::optional<name> name::from_wire(std::span<const std::uint8_t> wire) {
  if (wire.empty() || wire.size() > max_name_length) return std::nullopt;
  std::size_t at = 0;
  // Each step moves past one label: at most 128 steps for 255 bytes.
  while (at < wire.size()) {
    const std::uint8_t len = wire[at];
    if (len == 0) {
      if (at + 1 != wire.size()) return std::nullopt;  // bytes after the root label
      return name(std::string(reinterpret_cast<const char*>(wire.data()), wire.size()));
    }
    if (len > max_label_length) return std::nullopt;  // also refuses pointers (0xc0..)
    at += 1 + len;
  }
  return std::nullopt;  // no root label
}

std::size_t name::label_count() const noexcept {
  std::size_t n = 0;
  for (std::size_t at = 0; static_cast<std::uint8_t>(wire_[at]) != 0;
       at += 1 + static_cast<std::uint8_t>(wire_[at]))
    ++n;
  return n;
}

std::string_view name::label(std::size_t i) const noexcept {
  std::size_t at = 0;
  for (; i > 0 && static_cast<std::uint8_t>(wire_[at]) != 0; --i)
    at += 1 + static_cast<std::uint8_t>(wire_[at]);
  return std::string_view(wire_).substr(at + 1, static_cast<std::uint8_t>(wire_[at]));
}

name name::parent() const {
  if (is_root()) return name();
  return name(wire_.substr(1 + static_cast<std::uint8_t>(wire_[0])));
}

bool name::is_subdomain_of(const name& zone) const noexcept {
  if (zone.wire_.size() > wire_.size()) return false;
  // Walk the labels until the rest is as long as the zone: only then is
  // the rest on a label boundary.
  std::size_t at = 0;
  while (wire_.size() - at > zone.wire_.size()) at += 1 + static_cast<std::uint8_t>(wire_[at]);
  if (wire_.size() - at != zone.wire_.size()) return false;
  return same_ignoring_case(wire().subspan(at), zone.wire());
}

name name::lowercased() const {
  std::string w = wire_;
  for (char& c : w) c = static_cast<char>(lower(static_cast<std::uint8_t>(c)));
  return name(std::move(w));
}

std::string name::canonical_key() const { return lowercased().wire_; }

bool operator==(const name& a, const name& b) noexcept {
  return same_ignoring_case(a.wire(), b.wire());
}

std::size_t name::hash() const noexcept {
  // FNV-1a over the lower-case bytes.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint8_t c : wire()) {
    h ^= lower(c);
    h *= 0x100000001b3ull;
  }
  return static_cast<std::size_t>(h);
}

}  // namespace agora::dns
