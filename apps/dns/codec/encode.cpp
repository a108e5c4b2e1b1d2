// The DNS message encoder: header, questions, the three sections with
// RRset-wise truncation, then the OPT record; counts written last.
#include "codec/encode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "codec/compression.hpp"
#include "codec/rdata_layout.hpp"

namespace agora::dns {

namespace {

void put_u16(std::vector<std::byte>& out, std::size_t v) {
  out.push_back(static_cast<std::byte>((v >> 8) & 0xff));
  out.push_back(static_cast<std::byte>(v & 0xff));
}

void put_u16_at(std::vector<std::byte>& out, std::size_t at, std::size_t v) {
  out[at] = static_cast<std::byte>((v >> 8) & 0xff);
  out[at + 1] = static_cast<std::byte>(v & 0xff);
}

void put_u32(std::vector<std::byte>& out, std::uint32_t v) {
  put_u16(out, v >> 16);
  put_u16(out, v & 0xffff);
}

std::size_t opt_size(const std::optional<edns>& e) { return e ? 11 + e->options.size() : 0; }

bool same_rrset(const resource_record& a, const resource_record& b) {
  return a.type == b.type && a.rclass == b.rclass && a.owner.same_spelling(b.owner);
}

class encoder {
 public:
  encoder(const message& m, const encode_options& options)
      : m_(m), options_(options), limit_(std::min(options.max_size, max_message_size)) {}

  std::vector<std::byte> run() {
    if (m_.edns && m_.edns->options.size() > 0xffff)
      throw std::invalid_argument(fmt::format("EDNS options of {} bytes (at most 65535)",
                                              m_.edns->options.size()));
    // Most messages fit in 512 bytes; more is a large request to malloc,
    // which then consolidates its free lists on every query.
    out_.reserve(std::min<std::size_t>(limit_, 512));
    write_header();
    for (const question& q : m_.questions) {
      table_.write_name(out_, q.qname, options_.compress);
      put_u16(out_, static_cast<std::size_t>(q.qtype));
      put_u16(out_, static_cast<std::size_t>(q.qclass));
    }
    if (out_.size() + opt_size(m_.edns) > max_message_size)
      throw std::invalid_argument(fmt::format("questions and OPT take {} bytes (at most {})",
                                              out_.size() + opt_size(m_.edns), max_message_size));
    const std::size_t an = write_section(m_.answers, true);
    const std::size_t ns = truncated_ ? 0 : write_section(m_.authorities, true);
    const std::size_t ar = truncated_ ? 0 : write_section(m_.additionals, false);
    if (m_.edns) write_opt(*m_.edns);
    put_u16_at(out_, 4, m_.questions.size());
    put_u16_at(out_, 6, an);
    put_u16_at(out_, 8, ns);
    put_u16_at(out_, 10, ar + (m_.edns ? 1 : 0));
    if (truncated_) out_[2] |= std::byte{0x02};  // TC
    return std::move(out_);
  }

 private:
  void write_header() {
    const header& h = m_.header;
    put_u16(out_, h.id);
    const unsigned flags = (h.qr ? 0x8000u : 0u) | (static_cast<unsigned>(h.opcode) & 0xfu) << 11 |
                           (h.aa ? 0x0400u : 0u) | (h.tc ? 0x0200u : 0u) | (h.rd ? 0x0100u : 0u) |
                           (h.ra ? 0x0080u : 0u) | (h.z ? 0x0040u : 0u) | (h.ad ? 0x0020u : 0u) |
                           (h.cd ? 0x0010u : 0u) | (h.rcode & 0xfu);
    put_u16(out_, flags);
    if (m_.questions.size() > 0xffff)
      throw std::invalid_argument(fmt::format("{} questions (at most 65535)", m_.questions.size()));
    for (int i = 0; i < 4; ++i) put_u16(out_, 0);  // counts: written at the end
  }

  /// Writes the records that fit; returns how many.
  std::size_t write_section(const std::vector<resource_record>& records, bool needed) {
    const std::size_t room = limit_ - std::min(limit_, opt_size(m_.edns));
    std::size_t written = 0;
    std::size_t rrset_start = 0, rrset_bytes = out_.size();  // where the current RRset began
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (i == 0 || !same_rrset(records[i - 1], records[i])) {
        rrset_start = i;
        rrset_bytes = out_.size();
      }
      write_record(records[i]);
      if (out_.size() > room) {
        out_.resize(rrset_bytes);
        table_.rollback(rrset_bytes);
        written = rrset_start;
        if (needed) truncated_ = true;
        return written;
      }
      ++written;
    }
    return written;
  }

  void write_record(const resource_record& rr) {
    if (rr.type == rr_type::opt)
      throw std::invalid_argument("OPT record in a section (EDNS goes in message::edns)");
    table_.write_name(out_, rr.owner, options_.compress);
    put_u16(out_, static_cast<std::size_t>(rr.type));
    put_u16(out_, static_cast<std::size_t>(rr.rclass));
    put_u32(out_, rr.ttl);
    const std::size_t rdlength_at = out_.size();
    put_u16(out_, 0);
    write_rdata(rr);
    const std::size_t rdlength = out_.size() - rdlength_at - 2;
    if (rdlength > 0xffff)
      throw std::invalid_argument(fmt::format("{} record of {}: rdata of {} bytes (at most 65535)",
                                              to_string(rr.type), rr.owner.to_text(), rdlength));
    put_u16_at(out_, rdlength_at, rdlength);
  }

  void write_rdata(const resource_record& rr) {
    const rdata_layout* layout = layout_of(rr.type);
    if (!layout) {
      out_.insert(out_.end(), rr.rdata.begin(), rr.rdata.end());
      return;
    }
    if (auto problem = rdata_problem(rr.type, rr.rdata))
      throw std::invalid_argument(fmt::format("record of {}: {}", rr.owner.to_text(), *problem));
    const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(rr.rdata.data()),
                                              rr.rdata.size()};
    std::size_t at = 0;
    for (std::size_t i = 0; i < layout->count; ++i) {
      const rdata_field f = layout->fields[i];
      if (f.is_name) {
        const std::size_t n = uncompressed_name_length(bytes, at);
        table_.write_name(out_, *name::from_wire(bytes.subspan(at, n)),
                          options_.compress && layout->compress);
        at += n;
      } else {
        out_.insert(out_.end(), rr.rdata.begin() + static_cast<std::ptrdiff_t>(at),
                    rr.rdata.begin() + static_cast<std::ptrdiff_t>(at + f.size));
        at += f.size;
      }
    }
  }

  void write_opt(const edns& e) {
    out_.push_back(std::byte{0});  // the root
    put_u16(out_, static_cast<std::size_t>(rr_type::opt));
    put_u16(out_, e.udp_payload_size);
    put_u32(out_, std::uint32_t{e.extended_rcode} << 24 | std::uint32_t{e.version} << 16 |
                      (e.dnssec_ok ? 0x8000u : 0u) | (e.z & 0x7fffu));
    put_u16(out_, e.options.size());
    out_.insert(out_.end(), e.options.begin(), e.options.end());
  }

  const message& m_;
  const encode_options& options_;
  std::size_t limit_;
  std::vector<std::byte> out_;
  compression_table table_;
  bool truncated_ = false;
};

}  // namespace

std::vector<std::byte> encode(const message& m, const encode_options& options) {
  return encoder(m, options).run();
}

}  // namespace agora::dns
