// Mnemonics of the DNS codes (types.hpp), with RFC 3597's TYPEnnn form for
// the unnamed ones.
#include "codec/types.hpp"

#include <string_view>

namespace agora::dns {

namespace {

std::string_view type_mnemonic(rr_type t) {
  switch (t) {
    case rr_type::a: return "A";
    case rr_type::ns: return "NS";
    case rr_type::md: return "MD";
    case rr_type::mf: return "MF";
    case rr_type::cname: return "CNAME";
    case rr_type::soa: return "SOA";
    case rr_type::mb: return "MB";
    case rr_type::mg: return "MG";
    case rr_type::mr: return "MR";
    case rr_type::null_: return "NULL";
    case rr_type::wks: return "WKS";
    case rr_type::ptr: return "PTR";
    case rr_type::hinfo: return "HINFO";
    case rr_type::minfo: return "MINFO";
    case rr_type::mx: return "MX";
    case rr_type::txt: return "TXT";
    case rr_type::rp: return "RP";
    case rr_type::afsdb: return "AFSDB";
    case rr_type::rt: return "RT";
    case rr_type::aaaa: return "AAAA";
    case rr_type::srv: return "SRV";
    case rr_type::naptr: return "NAPTR";
    case rr_type::kx: return "KX";
    case rr_type::dname: return "DNAME";
    case rr_type::opt: return "OPT";
    case rr_type::ds: return "DS";
    case rr_type::rrsig: return "RRSIG";
    case rr_type::nsec: return "NSEC";
    case rr_type::dnskey: return "DNSKEY";
    case rr_type::svcb: return "SVCB";
    case rr_type::https: return "HTTPS";
    case rr_type::ixfr: return "IXFR";
    case rr_type::axfr: return "AXFR";
    case rr_type::any: return "ANY";
  }
  return {};
}

}  // namespace

std::string to_string(rr_type t) {
  const auto m = type_mnemonic(t);
  return m.empty() ? "TYPE" + std::to_string(static_cast<unsigned>(t)) : std::string(m);
}

std::string to_string(rr_class c) {
  switch (c) {
    case rr_class::in: return "IN";
    case rr_class::ch: return "CH";
    case rr_class::hs: return "HS";
    case rr_class::none: return "NONE";
    case rr_class::any: return "ANY";
  }
  return "CLASS" + std::to_string(static_cast<unsigned>(c));
}

std::string to_string(rcode r) {
  switch (r) {
    case rcode::noerror: return "NOERROR";
    case rcode::formerr: return "FORMERR";
    case rcode::servfail: return "SERVFAIL";
    case rcode::nxdomain: return "NXDOMAIN";
    case rcode::notimp: return "NOTIMP";
    case rcode::refused: return "REFUSED";
    case rcode::badvers: return "BADVERS";
  }
  return "RCODE" + std::to_string(static_cast<unsigned>(r));
}

std::string to_string(opcode o) {
  switch (o) {
    case opcode::query: return "QUERY";
    case opcode::iquery: return "IQUERY";
    case opcode::status: return "STATUS";
    case opcode::notify: return "NOTIFY";
    case opcode::update: return "UPDATE";
  }
  return "OPCODE" + std::to_string(static_cast<unsigned>(o));
}

}  // namespace agora::dns
