// resource_record: the typed accessors over decompressed rdata, and the
// builders of A, AAAA, name, MX, SRV and SOA records.
#include "codec/record.hpp"

#include <stdexcept>

#include "codec/rdata_layout.hpp"

namespace agora::dns {

namespace {

std::span<const std::uint8_t> bytes_of(const std::vector<std::byte>& v) {
  return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size()};
}

/// Reads fields from rdata checked against its type's layout.
class rdata_reader {
 public:
  explicit rdata_reader(const resource_record& rr)
      : bytes_(bytes_of(rr.rdata)), ok_(!rdata_problem(rr.type, rr.rdata)) {}
  bool ok() const { return ok_; }
  std::uint16_t u16() {
    const std::uint16_t v = static_cast<std::uint16_t>(bytes_[at_] << 8 | bytes_[at_ + 1]);
    at_ += 2;
    return v;
  }
  std::uint32_t u32() {
    const std::uint32_t hi = u16();
    return hi << 16 | u16();
  }
  name next_name() {
    const std::size_t n = uncompressed_name_length(bytes_, at_);
    auto got = name::from_wire(bytes_.subspan(at_, n));
    at_ += n;
    return std::move(*got);  // the layout check saw a valid name here
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
  bool ok_;
};

void put_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v & 0xff));
}
void put_u32(std::vector<std::byte>& out, std::uint32_t v) {
  put_u16(out, static_cast<std::uint16_t>(v >> 16));
  put_u16(out, static_cast<std::uint16_t>(v & 0xffff));
}
void put_name(std::vector<std::byte>& out, const name& n) {
  for (std::uint8_t c : n.wire()) out.push_back(static_cast<std::byte>(c));
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> address_of(const resource_record& rr, rr_type type) {
  if (rr.type != type || rr.rdata.size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(rr.rdata[i]);
  return out;
}

resource_record record(name owner, rr_type type, std::uint32_t ttl) {
  resource_record rr;
  rr.owner = std::move(owner);
  rr.type = type;
  rr.ttl = ttl;
  return rr;
}

}  // namespace

std::optional<std::array<std::uint8_t, 4>> resource_record::a_address() const {
  return address_of<4>(*this, rr_type::a);
}

std::optional<std::array<std::uint8_t, 16>> resource_record::aaaa_address() const {
  return address_of<16>(*this, rr_type::aaaa);
}

std::optional<name> resource_record::target_name() const {
  const rdata_layout* layout = layout_of(type);
  if (!layout || type == rr_type::soa || type == rr_type::minfo || type == rr_type::rp)
    return std::nullopt;
  rdata_reader r(*this);
  if (!r.ok() || !layout->fields[layout->count - 1].is_name) return std::nullopt;
  for (std::size_t i = 0; i + 1 < layout->count; ++i)  // skip the fixed fields before it
    for (std::size_t k = 0; k < layout->fields[i].size; k += 2) r.u16();
  return r.next_name();
}

std::optional<soa_fields> resource_record::soa() const {
  if (type != rr_type::soa) return std::nullopt;
  rdata_reader r(*this);
  if (!r.ok()) return std::nullopt;
  soa_fields s;
  s.mname = r.next_name();
  s.rname = r.next_name();
  s.serial = r.u32();
  s.refresh = r.u32();
  s.retry = r.u32();
  s.expire = r.u32();
  s.minimum = r.u32();
  return s;
}

std::optional<mx_fields> resource_record::mx() const {
  if (type != rr_type::mx) return std::nullopt;
  rdata_reader r(*this);
  if (!r.ok()) return std::nullopt;
  mx_fields m;
  m.preference = r.u16();
  m.exchange = r.next_name();
  return m;
}

std::optional<srv_fields> resource_record::srv() const {
  if (type != rr_type::srv) return std::nullopt;
  rdata_reader r(*this);
  if (!r.ok()) return std::nullopt;
  srv_fields s;
  s.priority = r.u16();
  s.weight = r.u16();
  s.port = r.u16();
  s.target = r.next_name();
  return s;
}

resource_record make_a(name owner, std::uint32_t ttl, std::array<std::uint8_t, 4> address) {
  auto rr = record(std::move(owner), rr_type::a, ttl);
  for (auto b : address) rr.rdata.push_back(static_cast<std::byte>(b));
  return rr;
}

resource_record make_aaaa(name owner, std::uint32_t ttl, std::array<std::uint8_t, 16> address) {
  auto rr = record(std::move(owner), rr_type::aaaa, ttl);
  for (auto b : address) rr.rdata.push_back(static_cast<std::byte>(b));
  return rr;
}

resource_record make_name_record(name owner, rr_type type, std::uint32_t ttl, const name& target) {
  const rdata_layout* layout = layout_of(type);
  if (!layout || layout->count != 1 || !layout->fields[0].is_name)
    throw std::invalid_argument("make_name_record: " + to_string(type) +
                                " rdata is not a single name");
  auto rr = record(std::move(owner), type, ttl);
  put_name(rr.rdata, target);
  return rr;
}

resource_record make_mx(name owner, std::uint32_t ttl, const mx_fields& mx) {
  auto rr = record(std::move(owner), rr_type::mx, ttl);
  put_u16(rr.rdata, mx.preference);
  put_name(rr.rdata, mx.exchange);
  return rr;
}

resource_record make_srv(name owner, std::uint32_t ttl, const srv_fields& srv) {
  auto rr = record(std::move(owner), rr_type::srv, ttl);
  put_u16(rr.rdata, srv.priority);
  put_u16(rr.rdata, srv.weight);
  put_u16(rr.rdata, srv.port);
  put_name(rr.rdata, srv.target);
  return rr;
}

resource_record make_soa(name owner, std::uint32_t ttl, const soa_fields& soa) {
  auto rr = record(std::move(owner), rr_type::soa, ttl);
  put_name(rr.rdata, soa.mname);
  put_name(rr.rdata, soa.rname);
  for (std::uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum})
    put_u32(rr.rdata, v);
  return rr;
}

}  // namespace agora::dns
