// The DNS message decoder: a cursor over the wire bytes that reads the
// header, the questions and the three sections, decompressing names with
// the bounds listed in decode.hpp. No exceptions on bad input: each step
// returns false after recording the first error.
#include "codec/decode.hpp"

#include <fmt/format.h>

#include <array>

#include "codec/rdata_layout.hpp"

namespace agora::dns {

std::string decode_error::describe() const { return fmt::format("at byte {}: {}", offset, what); }

namespace {

constexpr std::size_t min_question_size = 5;  // root name + type + class
constexpr std::size_t min_record_size = 11;   // root name + type, class, TTL, rdlength

enum class section : std::uint8_t { answer, authority, additional };

constexpr std::string_view section_name(section s) {
  switch (s) {
    case section::answer: return "answer";
    case section::authority: return "authority";
    case section::additional: return "additional";
  }
  return "";
}

header header_of(std::span<const std::uint8_t> m) {
  header h;
  h.id = static_cast<std::uint16_t>(m[0] << 8 | m[1]);
  const unsigned flags = m[2] << 8 | m[3];
  h.qr = flags & 0x8000;
  h.opcode = static_cast<opcode>((flags >> 11) & 0xf);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.z = flags & 0x0040;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = static_cast<std::uint8_t>(flags & 0xf);
  return h;
}

class decoder {
 public:
  decoder(std::span<const std::uint8_t> m, const decode_options& options)
      : m_(m), options_(options) {}

  decode_result run() {
    if (m_.size() < header_size)
      return decode_error{fmt::format("message of {} bytes is shorter than the {}-byte header",
                                      m_.size(), header_size),
                          m_.size(), decode_failure::no_header, {}};
    out_.header = header_of(m_);
    if (!body()) {
      error_.header = out_.header;
      return std::move(error_);
    }
    return std::move(out_);
  }

 private:
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>(m_[at] << 8 | m_[at + 1]);
  }
  std::uint32_t u32(std::size_t at) const { return std::uint32_t{u16(at)} << 16 | u16(at + 2); }

  bool fail(std::size_t at, std::string what) {
    error_.what = std::move(what);
    error_.offset = at;
    return false;
  }

  bool body() {
    const std::size_t qd = u16(4), an = u16(6), ns = u16(8), ar = u16(10);
    const std::size_t need = qd * min_question_size + (an + ns + ar) * min_record_size;
    if (need > m_.size() - header_size)
      return fail(4, fmt::format("counts (qd {}, an {}, ns {}, ar {}) need at least {} bytes after "
                                 "the header, the message has {}",
                                 qd, an, ns, ar, need, m_.size() - header_size));
    pos_ = header_size;
    for (std::size_t i = 0; i < qd; ++i)
      if (!read_question(i)) return false;
    if (!read_section(section::answer, an, out_.answers)) return false;
    if (!read_section(section::authority, ns, out_.authorities)) return false;
    if (!read_section(section::additional, ar, out_.additionals)) return false;
    if (pos_ != m_.size() && options_.trailing == trailing_data::refuse)
      return fail(pos_, fmt::format("{} bytes after the last record", m_.size() - pos_));
    return true;
  }

  bool read_question(std::size_t index) {
    question q;
    if (!read_name(pos_, m_.size(), q.qname, pos_, [&] { return fmt::format("question {}", index + 1); }))
      return false;
    if (m_.size() - pos_ < 4)
      return fail(pos_, fmt::format("question {}: type and class cut off by the end of the message",
                                    index + 1));
    q.qtype = static_cast<rr_type>(u16(pos_));
    q.qclass = static_cast<rr_class>(u16(pos_ + 2));
    pos_ += 4;
    out_.questions.push_back(std::move(q));
    return true;
  }

  bool read_section(section s, std::size_t count, std::vector<resource_record>& into) {
    for (std::size_t i = 0; i < count; ++i)
      if (!read_record(s, i, into)) return false;
    return true;
  }

  bool read_record(section s, std::size_t index, std::vector<resource_record>& into) {
    auto where = [&] { return fmt::format("{} record {}", section_name(s), index + 1); };
    const std::size_t start = pos_;
    resource_record rr;
    if (!read_name(pos_, m_.size(), rr.owner, pos_, [&] { return where() + " owner"; }))
      return false;
    if (m_.size() - pos_ < 10)
      return fail(pos_, where() + ": type, class, TTL and rdlength cut off by the end of the message");
    rr.type = static_cast<rr_type>(u16(pos_));
    rr.rclass = static_cast<rr_class>(u16(pos_ + 2));
    rr.ttl = u32(pos_ + 4);
    const std::size_t rdlength = u16(pos_ + 8);
    const std::size_t rdata = pos_ + 10;
    if (rdlength > m_.size() - rdata)
      return fail(pos_ + 8, fmt::format("{}: rdlength {} runs past the end of the message ({} "
                                        "bytes left)",
                                        where(), rdlength, m_.size() - rdata));
    pos_ = rdata + rdlength;
    if (rr.type == rr_type::opt) return read_opt(s, start, rr, rdata, rdlength);
    if (!read_rdata(rr, rdata, rdlength, where)) return false;
    into.push_back(std::move(rr));
    return true;
  }

  template <class Where>
  bool read_rdata(resource_record& rr, std::size_t rdata, std::size_t rdlength, Where&& where) {
    const rdata_layout* layout = layout_of(rr.type);
    const auto bytes = m_.subspan(rdata, rdlength);
    if (!layout) {
      rr.rdata.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                      reinterpret_cast<const std::byte*>(bytes.data() + bytes.size()));
      return true;
    }
    const std::size_t end = rdata + rdlength;
    if (layout->count == 1 && !layout->fields[0].is_name && rdlength != layout->fields[0].size)
      return fail(rdata - 2, fmt::format("{}: {} rdata of {} bytes (must be {})", where(),
                                         to_string(rr.type), rdlength, layout->fields[0].size));
    std::size_t at = rdata;
    for (std::size_t i = 0; i < layout->count; ++i) {
      const rdata_field f = layout->fields[i];
      if (f.is_name) {
        name n;
        if (!read_name(at, end, n, at, [&] { return fmt::format("{}: {} rdata", where(), to_string(rr.type)); }))
          return false;
        for (std::uint8_t c : n.wire()) rr.rdata.push_back(static_cast<std::byte>(c));
      } else {
        if (end - at < f.size)
          return fail(at, fmt::format("{}: {} rdata: {}-byte field runs past rdlength {}", where(),
                                      to_string(rr.type), f.size, rdlength));
        for (std::size_t k = 0; k < f.size; ++k) rr.rdata.push_back(static_cast<std::byte>(m_[at + k]));
        at += f.size;
      }
    }
    if (at != end)
      return fail(at, fmt::format("{}: {} rdata: rdlength {} but its fields end after {} bytes",
                                  where(), to_string(rr.type), rdlength, at - rdata));
    return true;
  }

  bool read_opt(section s, std::size_t start, const resource_record& rr, std::size_t rdata,
                std::size_t rdlength) {
    if (s != section::additional)
      return fail(start, fmt::format("OPT record in the {} section", section_name(s)));
    if (opt_at_)
      return fail(start, fmt::format("second OPT record (the first is at byte {})", *opt_at_));
    if (!rr.owner.is_root())
      return fail(start, fmt::format("OPT record owned by {} (must be the root)", rr.owner.to_text()));
    for (std::size_t at = rdata; at < rdata + rdlength;) {
      if (rdata + rdlength - at < 4)
        return fail(at, "EDNS option header cut off by the end of the OPT rdata");
      const std::size_t len = u16(at + 2);
      if (len > rdata + rdlength - at - 4)
        return fail(at, fmt::format("EDNS option {} of {} bytes runs past the end of the OPT rdata",
                                    u16(at), len));
      at += 4 + len;
    }
    opt_at_ = start;
    edns e;
    e.udp_payload_size = static_cast<std::uint16_t>(rr.rclass);
    e.extended_rcode = static_cast<std::uint8_t>(rr.ttl >> 24);
    e.version = static_cast<std::uint8_t>(rr.ttl >> 16);
    e.dnssec_ok = rr.ttl & 0x8000;
    e.z = static_cast<std::uint16_t>(rr.ttl & 0x7fff);
    const auto bytes = m_.subspan(rdata, rdlength);
    e.options.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                     reinterpret_cast<const std::byte*>(bytes.data() + bytes.size()));
    out_.edns = std::move(e);
    return true;
  }

  /// Reads the name at `at`, whose labels (before any pointer) must end by
  /// `limit`; `next` is set to the byte after it (after its first pointer).
  template <class Where>
  bool read_name(std::size_t at, std::size_t limit, name& out, std::size_t& next, Where&& where) {
    std::array<std::uint8_t, max_name_length> buf;
    std::size_t len = 0;
    std::size_t pos = at;
    std::size_t labels_start = at;  // where the labels being read began
    std::size_t end = limit;
    std::size_t hops = 0;
    std::optional<std::size_t> after;
    // Each step either adds a label (at most 127 before 255 bytes) or follows
    // a pointer (at most max_compression_hops).
    for (;;) {
      if (pos >= end)
        return fail(pos, fmt::format("{}: name at byte {} runs past the end of the {}", where(), at,
                                     end == m_.size() ? "message" : "rdata"));
      const std::uint8_t b = m_[pos];
      switch (b & 0xc0) {
        case 0x00: {
          if (b == 0) {
            buf[len++] = 0;
            next = after.value_or(pos + 1);
            auto n = name::from_wire({buf.data(), len});
            if (!n) return fail(at, fmt::format("{}: not a valid name", where()));  // cannot happen
            out = std::move(*n);
            return true;
          }
          if (b > end - pos - 1)
            return fail(pos, fmt::format("{}: label of {} bytes runs past the end of the {}", where(), b,
                                         end == m_.size() ? "message" : "rdata"));
          if (len + 1 + b + 1 > max_name_length)
            return fail(pos, fmt::format("{}: name longer than {} bytes", where(), max_name_length));
          buf[len] = b;
          for (std::size_t k = 1; k <= b; ++k) buf[len + k] = m_[pos + k];
          len += 1 + b;
          pos += 1 + b;
          break;
        }
        case 0xc0: {
          if (end - pos < 2)
            return fail(pos, fmt::format("{}: compression pointer cut off by the end of the {}",
                                         where(), end == m_.size() ? "message" : "rdata"));
          const std::size_t target = (b & 0x3fu) << 8 | m_[pos + 1];
          if (target < header_size)
            return fail(pos, fmt::format("{}: compression pointer to byte {}, inside the header",
                                         where(), target));
          if (target >= labels_start)
            return fail(pos, fmt::format("{}: compression pointer to byte {} does not point before "
                                         "byte {} (pointers only go backwards)",
                                         where(), target, labels_start));
          if (++hops > max_compression_hops)
            return fail(pos, fmt::format("{}: more than {} compression pointers in one name",
                                         where(), max_compression_hops));
          if (!after) after = pos + 2;
          pos = labels_start = target;
          end = m_.size();
          break;
        }
        default:
          return fail(pos, fmt::format("{}: label type 0x{:02x} is not supported", where(), b & 0xc0));
      }
    }
  }

  std::span<const std::uint8_t> m_;
  const decode_options& options_;
  std::size_t pos_ = 0;
  std::optional<std::size_t> opt_at_;
  message out_;
  decode_error error_;
};

}  // namespace

decode_result decode(std::span<const std::byte> wire, const decode_options& options) {
  const std::span<const std::uint8_t> m{reinterpret_cast<const std::uint8_t*>(wire.data()),
                                        wire.size()};
  return decoder(m, options).run();
}

std::optional<header> decode_header(std::span<const std::byte> wire) noexcept {
  if (wire.size() < header_size) return std::nullopt;
  return header_of({reinterpret_cast<const std::uint8_t*>(wire.data()), header_size});
}

}  // namespace agora::dns
