// The rdata layouts of the record types the codec looks into (A, AAAA and
// those holding names), and the check of an uncompressed rdata against them.
#include "codec/rdata_layout.hpp"

#include <fmt/format.h>

#include "codec/name.hpp"

namespace agora::dns {

namespace {

constexpr rdata_field name_field{true, 0};
constexpr rdata_field fixed(std::uint8_t n) { return {false, n}; }

constexpr rdata_layout one_name{{name_field}, 1, false};
constexpr rdata_layout one_name_compressed{{name_field}, 1, true};
constexpr rdata_layout two_names{{name_field, name_field}, 2, false};
constexpr rdata_layout two_names_compressed{{name_field, name_field}, 2, true};
constexpr rdata_layout a_layout{{fixed(4)}, 1, false};
constexpr rdata_layout aaaa_layout{{fixed(16)}, 1, false};
constexpr rdata_layout soa_layout{{name_field, name_field, fixed(20)}, 3, true};
constexpr rdata_layout mx_layout{{fixed(2), name_field}, 2, true};
constexpr rdata_layout preference_name{{fixed(2), name_field}, 2, false};  // AFSDB, RT, KX
constexpr rdata_layout srv_layout{{fixed(6), name_field}, 2, false};

}  // namespace

std::size_t rdata_layout::min_size() const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i) n += fields[i].is_name ? 1 : fields[i].size;
  return n;
}

const rdata_layout* layout_of(rr_type type) noexcept {
  switch (type) {
    case rr_type::a: return &a_layout;
    case rr_type::aaaa: return &aaaa_layout;
    case rr_type::ns:
    case rr_type::md:
    case rr_type::mf:
    case rr_type::cname:
    case rr_type::mb:
    case rr_type::mg:
    case rr_type::mr:
    case rr_type::ptr: return &one_name_compressed;
    case rr_type::dname: return &one_name;
    case rr_type::soa: return &soa_layout;
    case rr_type::minfo: return &two_names_compressed;
    case rr_type::rp: return &two_names;
    case rr_type::mx: return &mx_layout;
    case rr_type::afsdb:
    case rr_type::rt:
    case rr_type::kx: return &preference_name;
    case rr_type::srv: return &srv_layout;
    default: return nullptr;
  }
}

std::size_t uncompressed_name_length(std::span<const std::uint8_t> bytes, std::size_t at) noexcept {
  std::size_t n = 0;
  while (at + n < bytes.size()) {
    const std::uint8_t len = bytes[at + n];
    if (len == 0) return n + 1 <= max_name_length ? n + 1 : 0;
    if (len > max_label_length) return 0;
    n += 1 + len;
    if (n + 1 > max_name_length) return 0;
  }
  return 0;
}

std::optional<std::string> rdata_problem(rr_type type, std::span<const std::byte> rdata) {
  const rdata_layout* layout = layout_of(type);
  if (!layout) return std::nullopt;
  const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(rdata.data()),
                                            rdata.size()};
  std::size_t at = 0;
  for (std::size_t i = 0; i < layout->count; ++i) {
    const rdata_field f = layout->fields[i];
    if (f.is_name) {
      const std::size_t n = uncompressed_name_length(bytes, at);
      if (n == 0) return fmt::format("{} rdata: no valid name at byte {}", to_string(type), at);
      at += n;
    } else {
      if (bytes.size() - at < f.size)
        return fmt::format("{} rdata of {} bytes is too short", to_string(type), bytes.size());
      at += f.size;
    }
  }
  if (at != bytes.size())
    return fmt::format("{} rdata of {} bytes has {} bytes after its fields", to_string(type),
                       bytes.size(), bytes.size() - at);
  return std::nullopt;
}

}  // namespace agora::dns
