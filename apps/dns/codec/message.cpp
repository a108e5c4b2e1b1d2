// message: the 12-bit RCODE split between the header and EDNS.
#include "codec/message.hpp"

#include <stdexcept>

namespace agora::dns {

rcode message::full_rcode() const noexcept {
  const unsigned extended = edns ? edns->extended_rcode : 0u;
  return static_cast<rcode>(extended << 4 | (header.rcode & 0xfu));
}

void message::set_rcode(rcode r) {
  const auto value = static_cast<unsigned>(r);
  if (value > 0xfff) throw std::invalid_argument("RCODE " + std::to_string(value) + " is over 12 bits");
  if (value > 0xf && !edns)
    throw std::invalid_argument(to_string(r) + " needs EDNS (an extended RCODE)");
  header.rcode = static_cast<std::uint8_t>(value & 0xf);
  if (edns) edns->extended_rcode = static_cast<std::uint8_t>(value >> 4);
}

}  // namespace agora::dns
