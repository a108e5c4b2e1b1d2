// encoded_answer: encode once with a placeholder question, then copy and
// patch per client; the codec's decode and encode for replies too big.
#include "cache/encoded_answer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "codec/rdata_layout.hpp"
#include "codec/record_offsets.hpp"

namespace agora::dns {

namespace {

constexpr std::size_t opt_record_size = 11;  // root, type, class, TTL, rdlength 0

/// `n` with every label's bytes set to zero: the same length and shape.
name placeholder_for(const name& n) {
  std::vector<std::uint8_t> wire(n.wire().begin(), n.wire().end());
  for (std::size_t at = 0; wire[at] != 0; at += 1u + wire[at])
    std::fill_n(wire.begin() + static_cast<std::ptrdiff_t>(at + 1), wire[at], std::uint8_t{0});
  return *name::from_wire(wire);
}

bool has_zero_label(std::span<const std::uint8_t> wire) {
  for (std::size_t at = 0; at < wire.size() && wire[at] != 0; at += 1u + wire[at]) {
    const auto label = wire.subspan(at + 1, wire[at]);
    if (std::all_of(label.begin(), label.end(), [](std::uint8_t c) { return c == 0; })) return true;
  }
  return false;
}

/// Could a name of `rr` (owner or in its rdata) match a placeholder suffix?
bool may_match_placeholder(const resource_record& rr) {
  if (has_zero_label(rr.owner.wire())) return true;
  const rdata_layout* layout = layout_of(rr.type);
  if (!layout || rdata_problem(rr.type, rr.rdata)) return false;  // opaque: never compressed
  const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(rr.rdata.data()),
                                            rr.rdata.size()};
  std::size_t at = 0;
  for (std::size_t i = 0; i < layout->count; ++i) {
    if (!layout->fields[i].is_name) {
      at += layout->fields[i].size;
      continue;
    }
    const std::size_t n = uncompressed_name_length(bytes, at);
    if (has_zero_label(bytes.subspan(at, n))) return true;
    at += n;
  }
  return false;
}

void put_u16(std::byte* at, std::uint16_t v) {
  at[0] = static_cast<std::byte>(v >> 8);
  at[1] = static_cast<std::byte>(v & 0xff);
}

void put_u32(std::byte* at, std::uint32_t v) {
  put_u16(at, static_cast<std::uint16_t>(v >> 16));
  put_u16(at + 2, static_cast<std::uint16_t>(v & 0xffff));
}

std::uint16_t get_u16(const std::byte* at) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(at[0]) << 8 | std::to_integer<unsigned>(at[1]));
}

}  // namespace

encoded_answer::encoded_answer(const question& q, const message& reply, std::span<const std::uint32_t> record_ttls) {
  message stored;
  stored.header.qr = true;
  stored.header.rcode = reply.header.rcode;
  stored.questions.push_back({placeholder_for(q.qname), q.qtype, q.qclass});
  stored.answers = reply.answers;
  stored.authorities = reply.authorities;
  stored.additionals = reply.additionals;
  std::size_t i = 0;
  bool unique = true;
  for (auto* section : {&stored.answers, &stored.authorities, &stored.additionals})
    for (resource_record& rr : *section) {
      if (i == record_ttls.size())
        throw std::invalid_argument(fmt::format("{} TTLs for more records", record_ttls.size()));
      rr.ttl = record_ttls[i++];
      if (may_match_placeholder(rr)) unique = false;
    }
  if (i != record_ttls.size())
    throw std::invalid_argument(fmt::format("{} TTLs for {} records", record_ttls.size(), i));
  encode_from(stored, unique);
}

encoded_answer::encoded_answer(const question& q, rcode code) {
  message stored;
  stored.header.qr = true;
  stored.set_rcode(code);
  stored.questions.push_back({placeholder_for(q.qname), q.qtype, q.qclass});
  encode_from(stored, true);
}

void encoded_answer::encode_from(const message& stored, bool placeholder_is_unique) {
  rcode_ = stored.header.rcode;
  question_shared_ = !placeholder_is_unique;
  wire_ = encode(stored);
  if (std::to_integer<unsigned>(wire_[2]) & 0x02)
    throw std::invalid_argument(fmt::format("the records take over {} bytes", max_message_size));
  auto layout = locate_records(wire_);
  if (!layout)  // the codec's own output: only a codec bug gets here
    throw std::logic_error("encoded answer does not walk: " + layout.error().describe());
  qname_length_ = static_cast<std::uint16_t>(layout->questions.at(0).name_length);
  ttls_.reserve(layout->records.size());
  for (const record_position& r : layout->records)
    ttls_.push_back({static_cast<std::uint16_t>(r.ttl_at), r.ttl});
  arcount_ = get_u16(wire_.data() + 10);
  wire_.shrink_to_fit();
}

void encoded_answer::check_question(const message& query) const {
  if (query.questions.size() != 1)
    throw std::invalid_argument(fmt::format("query with {} questions (one expected)", query.questions.size()));
  const question& q = query.questions[0];
  const std::byte* type_at = wire_.data() + header_size + qname_length_;
  if (q.qname.wire_length() != qname_length_ || static_cast<std::uint16_t>(q.qtype) != get_u16(type_at) ||
      static_cast<std::uint16_t>(q.qclass) != get_u16(type_at + 2))
    throw std::invalid_argument("query's question is not the cached answer's");
}

void encoded_answer::write(const message& query, const ttl_clock& clock, std::size_t max_size,
                           std::vector<std::byte>& out) const {
  check_question(query);
  const std::size_t size = wire_.size() + (query.edns ? opt_record_size : 0);
  if (question_shared_ || size > std::min(max_size, max_message_size)) {
    write_slow(query, clock, max_size, out);
    return;
  }
  out.assign(wire_.begin(), wire_.end());
  std::byte* const w = out.data();
  put_u16(w, query.header.id);
  w[2] = static_cast<std::byte>(0x80 | (query.header.rd ? 0x01 : 0));              // QR, opcode 0, RD
  w[3] = static_cast<std::byte>(0x80 | (query.header.cd ? 0x10 : 0) | rcode_);     // RA, CD, RCODE
  std::memcpy(w + header_size, query.questions[0].qname.wire().data(), qname_length_);
  for (const ttl_patch& p : ttls_) put_u32(w + p.offset, clock.served(p.ttl));
  if (query.edns) {
    static constexpr std::byte opt[opt_record_size] = {
        std::byte{0}, std::byte{0}, std::byte{41},            // root, OPT
        std::byte{default_edns_size >> 8}, std::byte{default_edns_size & 0xff},
        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},  // extended RCODE, version, DO and Z
        std::byte{0}, std::byte{0}};                           // no options
    out.insert(out.end(), std::begin(opt), std::end(opt));
    put_u16(out.data() + 10, static_cast<std::uint16_t>(arcount_ + 1));
  }
}

void encoded_answer::write_slow(const message& query, const ttl_clock& clock, std::size_t max_size,
                                std::vector<std::byte>& out) const {
  out.assign(wire_.begin(), wire_.end());
  for (const ttl_patch& p : ttls_) put_u32(out.data() + p.offset, clock.served(p.ttl));
  auto decoded = decode(out);
  if (!decoded)  // our own wire: only a codec bug gets here
    throw std::logic_error("cached answer does not decode: " + decoded.error().describe());
  message& m = *decoded;
  m.header = {};
  m.header.id = query.header.id;
  m.header.qr = m.header.ra = true;
  m.header.rd = query.header.rd;
  m.header.cd = query.header.cd;
  m.header.rcode = rcode_;
  m.questions = query.questions;
  if (query.edns) m.edns = edns{};  // 1232, version 0, no options
  out = encode(m, {.max_size = std::min(max_size, max_message_size)});
}

std::size_t encoded_answer::footprint() const noexcept {
  return sizeof(*this) + wire_.capacity() + ttls_.capacity() * sizeof(ttl_patch);
}

}  // namespace agora::dns
