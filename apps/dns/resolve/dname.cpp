#include "resolve/dname.hpp"

#include <cstdint>
#include <vector>

namespace agora::dns {

std::optional<name> substitute_dname(const name& current, const name& owner, const name& target) {
  if (current == owner || !current.is_subdomain_of(owner)) return std::nullopt;
  // The labels of `current` left of `owner`, then all of `target`.
  const std::size_t kept_labels = current.label_count() - owner.label_count();
  std::vector<std::uint8_t> wire;
  wire.reserve(max_name_length + 1);
  for (std::size_t i = 0; i < kept_labels; ++i) {
    const std::string_view label = current.label(i);
    wire.push_back(static_cast<std::uint8_t>(label.size()));
    wire.insert(wire.end(), label.begin(), label.end());
  }
  const auto rest = target.wire();
  wire.insert(wire.end(), rest.begin(), rest.end());
  return name::from_wire(wire);  // refuses a name over 255 octets
}

}  // namespace agora::dns
