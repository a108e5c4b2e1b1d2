// The record walker: header counts, then names skipped label by label.
#include "codec/record_offsets.hpp"

#include <fmt/format.h>

#include "codec/message.hpp"

namespace agora::dns {

std::string wire_layout_error::describe() const { return fmt::format("at byte {}: {}", offset, what); }

namespace {

class walker {
 public:
  explicit walker(std::span<const std::byte> wire) : wire_(wire) {}

  result<wire_layout, wire_layout_error> run() {
    if (wire_.size() < header_size) return fail(0, "fewer than 12 bytes: no header");
    const std::size_t qd = u16(4), an = u16(6), ns = u16(8), ar = u16(10);
    at_ = header_size;
    // Each question or record moves at_ forward by at least 5 bytes, and
    // the counts are at most 65535 each: the loops are bounded.
    for (std::size_t i = 0; i < qd; ++i) {
      question_position q;
      q.name_at = at_;
      if (!skip_name()) return error_;
      q.name_length = at_ - q.name_at;
      if (!room(4, "question runs past the end")) return error_;
      q.type = static_cast<rr_type>(u16(at_));
      q.rclass = static_cast<rr_class>(u16(at_ + 2));
      at_ += 4;
      layout_.questions.push_back(q);
    }
    const std::size_t counts[3] = {an, ns, ar};
    const wire_section sections[3] = {wire_section::answer, wire_section::authority, wire_section::additional};
    for (int s = 0; s < 3; ++s)
      for (std::size_t i = 0; i < counts[s]; ++i)
        if (!record(sections[s])) return error_;
    layout_.end = at_;
    return std::move(layout_);
  }

 private:
  bool record(wire_section section) {
    record_position r;
    r.section = section;
    r.owner_at = at_;
    if (!skip_name()) return false;
    if (!room(10, "record runs past the end")) return false;
    r.type = static_cast<rr_type>(u16(at_));
    r.rclass = static_cast<std::uint16_t>(u16(at_ + 2));
    r.ttl_at = at_ + 4;
    r.ttl = static_cast<std::uint32_t>(u16(at_ + 4)) << 16 | static_cast<std::uint32_t>(u16(at_ + 6));
    r.rdlength = static_cast<std::uint16_t>(u16(at_ + 8));
    at_ += 10;
    r.rdata_at = at_;
    if (!room(r.rdlength, "rdata runs past the end")) return false;
    at_ += r.rdlength;
    layout_.records.push_back(r);
    return true;
  }

  /// Moves past one name: labels up to the root label or a pointer.
  bool skip_name() {
    const std::size_t start = at_;
    // Every label moves at_ forward by at least 2 bytes.
    while (true) {
      if (!room(1, "name runs past the end")) return false;
      const auto len = std::to_integer<std::uint8_t>(wire_[at_]);
      if (len == 0) {
        ++at_;
        return true;
      }
      if ((len & 0xc0) == 0xc0) {
        if (!room(2, "pointer runs past the end")) return false;
        at_ += 2;
        return true;
      }
      if (len > 63) return set_error(at_, fmt::format("label type 0x{:02x}", len & 0xc0));
      if (!room(1u + len, "label runs past the end")) return false;
      at_ += 1u + len;
      if (at_ - start >= max_name_length) return set_error(start, "name over 255 bytes");  // + the root label
    }
  }

  bool room(std::size_t n, const char* what) {
    if (wire_.size() - at_ >= n) return true;
    return set_error(at_, what);
  }

  bool set_error(std::size_t offset, std::string what) {
    error_ = wire_layout_error{std::move(what), offset};
    return false;
  }

  result<wire_layout, wire_layout_error> fail(std::size_t offset, std::string what) {
    set_error(offset, std::move(what));
    return error_;
  }

  std::size_t u16(std::size_t at) const {
    return std::size_t{std::to_integer<std::uint8_t>(wire_[at])} << 8 | std::to_integer<std::uint8_t>(wire_[at + 1]);
  }

  std::span<const std::byte> wire_;
  std::size_t at_ = 0;
  wire_layout layout_;
  wire_layout_error error_;
};

}  // namespace

result<wire_layout, wire_layout_error> locate_records(std::span<const std::byte> wire) { return walker(wire).run(); }

}  // namespace agora::dns
