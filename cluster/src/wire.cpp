#include "wire.hpp"

#include <fmt/format.h>

namespace agora::cluster {

std::string frame_type_name(std::uint8_t type) {
  std::string_view name = "unknown";
  switch (static_cast<frame_type>(type)) {
    case frame_type::hello: name = "HELLO"; break;
    case frame_type::challenge: name = "CHALLENGE"; break;
    case frame_type::auth: name = "AUTH"; break;
    case frame_type::refuse: name = "REFUSE"; break;
    case frame_type::session: name = "SESSION"; break;
  }
  return fmt::format("{} (0x{:02x})", name, type);
}

std::string_view to_string(node_role r) noexcept {
  return r == node_role::member ? "member" : "client";
}

}  // namespace agora::cluster
