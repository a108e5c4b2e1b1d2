// decode(): messages written out by hand as resolvers send them, and every
// limit refused with its message and byte offset.
#include <doctest/doctest.h>

#include <string>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "dns_bytes.hpp"

using namespace agora::dns;
using dns_test::append;
using dns_test::bytes;
using dns_test::dn;
using dns_test::header_bytes;
using dns_test::wire;

namespace {

/// The error decoding `b`, as "at byte N: what".
std::string refusal(const bytes& b, const decode_options& options = {}) {
  auto r = decode(b, options);
  REQUIRE_MESSAGE(!r, "decoded, but should not have");
  return r.error().describe();
}

/// One question for a. (type A, class IN) after a header with these counts.
bytes with_question(int an, int ns, int ar) {
  bytes b = header_bytes(0x4242, 0x8180, 1, an, ns, ar);
  append(b, wire({1, "a", 0, 0, 1, 0, 1}));  // 12..18, ends at 19
  return b;
}

/// A record owned by a. (a pointer to 12): type, rdlength from `rdata`.
bytes record(int type, const bytes& rdata, int ttl_low = 60) {
  bytes b = wire({0xc0, 12, type >> 8, type & 0xff, 0, 1, 0, 0, 0, ttl_low,
                  static_cast<int>(rdata.size() >> 8), static_cast<int>(rdata.size() & 0xff)});
  append(b, rdata);
  return b;
}

bytes opt_record() { return wire({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}); }

}  // namespace

TEST_CASE("dns decode: a query with EDNS") {
  const message m = dns_test::decoded(dns_test::www_query());
  CHECK(m.header.id == 0x1234);
  CHECK(!m.header.qr);
  CHECK(m.header.rd);
  CHECK(m.header.opcode == opcode::query);
  REQUIRE(m.questions.size() == 1);
  CHECK(m.questions[0].qname.same_spelling(dn("www.example.com.")));
  CHECK(m.questions[0].qtype == rr_type::a);
  CHECK(m.questions[0].qclass == rr_class::in);
  CHECK(m.answers.empty());
  CHECK(m.additionals.empty());  // the OPT is in m.edns
  REQUIRE(m.edns);
  CHECK(m.edns->udp_payload_size == 1232);
  CHECK(m.edns->version == 0);
  CHECK(!m.edns->dnssec_ok);
  CHECK(m.edns->options.empty());
}

TEST_CASE("dns decode: a CNAME answer with compressed names, decompressed in the rdata") {
  const message m = dns_test::decoded(dns_test::www_answer());
  CHECK(m.header.qr);
  CHECK(m.header.ra);
  CHECK(m.full_rcode() == rcode::noerror);
  REQUIRE(m.answers.size() == 2);
  CHECK(m.answers[0].owner.same_spelling(dn("www.example.com.")));
  CHECK(m.answers[0].type == rr_type::cname);
  CHECK(m.answers[0].ttl == 3600);
  CHECK(m.answers[0].target_name()->same_spelling(dn("web.example.com.")));
  CHECK(m.answers[0].rdata.size() == 17);  // stored uncompressed
  CHECK(m.answers[1].owner.same_spelling(dn("web.example.com.")));
  CHECK(m.answers[1].a_address() == std::array<std::uint8_t, 4>{93, 184, 216, 34});
  CHECK(m.answers[1].ttl == 300);
  REQUIRE(m.edns);
}

TEST_CASE("dns decode: NXDOMAIN with the zone's SOA") {
  const message m = dns_test::decoded(dns_test::nxdomain_answer());
  CHECK(m.full_rcode() == rcode::nxdomain);
  CHECK(!m.edns);
  REQUIRE(m.authorities.size() == 1);
  const auto soa = m.authorities[0].soa();
  REQUIRE(soa);
  CHECK(m.authorities[0].owner.same_spelling(dn("example.com.")));
  CHECK(soa->mname.same_spelling(dn("ns1.example.com.")));
  CHECK(soa->rname.same_spelling(dn("hostmaster.example.com.")));
  CHECK(soa->serial == 2024010101);
  CHECK(soa->refresh == 7200);
  CHECK(soa->retry == 3600);
  CHECK(soa->expire == 1209600);
  CHECK(soa->minimum == 300);
}

TEST_CASE("dns decode: an MX answer with its glue") {
  const message m = dns_test::decoded(dns_test::mx_answer());
  CHECK(m.header.aa);
  REQUIRE(m.answers.size() == 1);
  CHECK(m.answers[0].mx() == mx_fields{10, dn("mail.example.com.")});
  CHECK(m.answers[0].target_name()->same_spelling(dn("mail.example.com.")));
  REQUIRE(m.additionals.size() == 1);
  CHECK(m.additionals[0].owner.same_spelling(dn("mail.example.com.")));
  CHECK(m.additionals[0].a_address() == std::array<std::uint8_t, 4>{192, 0, 2, 25});
}

TEST_CASE("dns decode: the hand-written messages encode back to the same bytes") {
  for (const bytes& b : {dns_test::www_query(), dns_test::www_answer(), dns_test::nxdomain_answer(),
                         dns_test::mx_answer()}) {
    CHECK(encode(dns_test::decoded(b)) == b);
  }
}

TEST_CASE("dns decode: a header that cannot be read is a drop, not a FORMERR") {
  for (std::size_t n : {0, 1, 11}) {
    const bytes b(n, std::byte{0});
    auto r = decode(b);
    REQUIRE(!r);
    CHECK(r.error().kind == decode_failure::no_header);
    CHECK(r.error().offset == n);
  }
  CHECK(refusal(bytes(11, std::byte{0})) == "at byte 11: message of 11 bytes is shorter than the 12-byte header");
  CHECK(!decode_header(bytes(11, std::byte{0})));
  CHECK(decode_header(dns_test::www_query())->id == 0x1234);
}

TEST_CASE("dns decode: a malformed body keeps the header for the FORMERR") {
  bytes b = header_bytes(0xbeef, 0x0100, 1, 0, 0, 0);
  append(b, wire({0x40, "x"}));
  auto r = decode(b);
  REQUIRE(!r);
  CHECK(r.error().kind == decode_failure::malformed);
  CHECK(r.error().header.id == 0xbeef);
  CHECK(r.error().header.rd);
}

TEST_CASE("dns decode: compression pointers only go backwards") {
  // A pointer to itself.
  bytes self = header_bytes(1, 0, 1, 0, 0, 0);
  append(self, wire({0xc0, 12, 0, 1, 0, 1}));
  CHECK(refusal(self) ==
        "at byte 12: question 1: compression pointer to byte 12 does not point before byte 12 "
        "(pointers only go backwards)");
  // A pointer forward, to a valid name.
  bytes forward = header_bytes(1, 0, 1, 0, 0, 0);
  append(forward, wire({0xc0, 18, 0, 1, 0, 1, 1, "a", 0}));
  CHECK(refusal(forward) ==
        "at byte 12: question 1: compression pointer to byte 18 does not point before byte 12 "
        "(pointers only go backwards)");
  // A loop through an earlier name: the second question's pointer goes back
  // to 14, whose label leads to a pointer to 14 again.
  bytes loop = header_bytes(1, 0, 2, 0, 0, 0);
  append(loop, wire({1, "a", 0xc0, 14, 0, 1, 0, 1, 0xc0, 14, 0, 1, 0, 1}));
  CHECK(refusal(loop) ==
        "at byte 14: question 1: compression pointer to byte 14 does not point before byte 12 "
        "(pointers only go backwards)");
  // Into the header.
  bytes into_header = header_bytes(1, 0, 1, 0, 0, 0);
  append(into_header, wire({0xc0, 4, 0, 1, 0, 1}));
  CHECK(refusal(into_header) == "at byte 12: question 1: compression pointer to byte 4, inside the header");
  // Past the end ("into hyperspace").
  bytes hyperspace = header_bytes(1, 0, 1, 0, 0, 0);
  append(hyperspace, wire({0xff, 0xff, 0, 1, 0, 1}));
  CHECK(refusal(hyperspace).starts_with("at byte 12: question 1: compression pointer to byte 16383"));
  // Cut off: the record's owner ends with the pointer's first byte.
  bytes cut = with_question(1, 0, 0);
  append(cut, wire({9, "abcdefghi", 0xc0}));
  CHECK(refusal(cut) ==
        "at byte 29: answer record 1 owner: compression pointer cut off by the end of the message");
}

TEST_CASE("dns decode: at most 127 compression pointers in a name") {
  // After the question (a.), a NULL record whose rdata is a chain of
  // pointers, each to the one before, the first to the question; then an A
  // record whose owner points at the chain's last link.
  auto chain_message = [](int links) {
    bytes b = with_question(2, 0, 0);
    const int rdata_at = 19 + 12;
    bytes chain = wire({0xc0, 12});
    for (int i = 1; i < links; ++i) {
      const int prev = rdata_at + 2 * (i - 1);
      append(chain, wire({0xc0 | prev >> 8, prev & 0xff}));
    }
    append(b, record(10, chain));
    const int last = rdata_at + 2 * (links - 1);
    append(b, wire({0xc0 | last >> 8, last & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1}));
    return b;
  };
  // 126 links and the owner's own pointer: 127 hops.
  const message ok = dns_test::decoded(chain_message(126));
  CHECK(ok.answers[1].owner.same_spelling(dn("a.")));
  const std::string refused = refusal(chain_message(127));
  CHECK(refused.find("answer record 2 owner: more than 127 compression pointers in one name") !=
        std::string::npos);
  CHECK(refused.starts_with("at byte 31:"));  // the chain's first link: the 128th hop
}

TEST_CASE("dns decode: labels of 64 bytes and other label types are refused") {
  bytes b63 = header_bytes(1, 0, 1, 0, 0, 0);
  append(b63, wire({63}));
  append(b63, bytes(63, std::byte{'x'}));
  append(b63, wire({0, 0, 1, 0, 1}));
  CHECK(decode(b63));
  // 64 is 0x40 on the wire: the extended label type (RFC 6891 dropped it).
  bytes b64 = header_bytes(1, 0, 1, 0, 0, 0);
  append(b64, wire({64}));
  append(b64, bytes(64, std::byte{'x'}));
  append(b64, wire({0, 0, 1, 0, 1}));
  CHECK(refusal(b64) == "at byte 12: question 1: label type 0x40 is not supported");
  bytes b80 = header_bytes(1, 0, 1, 0, 0, 0);
  append(b80, wire({1, "a", 0x80, 0, 0, 1, 0, 1}));
  CHECK(refusal(b80) == "at byte 14: question 1: label type 0x80 is not supported");
}

TEST_CASE("dns decode: names of more than 255 bytes are refused, compressed or not") {
  auto labels = [](std::initializer_list<int> sizes) {
    bytes b;
    for (int n : sizes) {
      b.push_back(static_cast<std::byte>(n));
      append(b, bytes(static_cast<std::size_t>(n), std::byte{'x'}));
    }
    return b;
  };
  bytes b255 = header_bytes(1, 0, 1, 0, 0, 0);
  append(b255, labels({63, 63, 63, 61}));
  append(b255, wire({0, 0, 1, 0, 1}));
  CHECK(dns_test::decoded(b255).questions[0].qname.wire_length() == 255);
  bytes b256 = header_bytes(1, 0, 1, 0, 0, 0);
  append(b256, labels({63, 63, 63, 62}));
  append(b256, wire({0, 0, 1, 0, 1}));
  CHECK(refusal(b256) == "at byte 204: question 1: name longer than 255 bytes");
  // 200 bytes in the first question; the second adds 60 and points to it.
  bytes compressed = header_bytes(1, 0, 2, 0, 0, 0);
  append(compressed, labels({63, 63, 63, 7}));
  append(compressed, wire({0, 0, 1, 0, 1}));
  append(compressed, labels({59}));
  append(compressed, wire({0xc0, 12, 0, 1, 0, 1}));
  CHECK(refusal(compressed) == "at byte 204: question 2: name longer than 255 bytes");
}

TEST_CASE("dns decode: counts must fit the data, and nothing is reserved from them") {
  bytes huge = with_question(0, 0, 0);
  huge[6] = huge[7] = std::byte{0xff};  // ancount 65535
  CHECK(refusal(huge) ==
        "at byte 4: counts (qd 1, an 65535, ns 0, ar 0) need at least 720890 bytes after the "
        "header, the message has 7");
  bytes questions = header_bytes(1, 0, 0xffff, 0, 0, 0);
  CHECK(refusal(questions).starts_with("at byte 4: counts (qd 65535"));
  // Counts that fit the minimum sizes but not the records there.
  bytes two = with_question(2, 0, 0);
  append(two, record(1, wire({10, 0, 0, 1})));
  append(two, bytes(11, std::byte{0}));  // 11 zero bytes: a root-owned record of type 0 ...
  two.pop_back();                        // ... one byte short
  CHECK(refusal(two) ==
        "at byte 36: answer record 2: type, class, TTL and rdlength cut off by the end of the message");
}

TEST_CASE("dns decode: rdata must lie within the message") {
  bytes b = with_question(1, 0, 0);
  append(b, record(16, wire({5, "hello"})));
  b.erase(b.end() - 2, b.end());  // the TXT's rdata cut short
  CHECK(refusal(b) == "at byte 29: answer record 1: rdlength 6 runs past the end of the message (4 bytes left)");
}

TEST_CASE("dns decode: fixed-size rdata is checked against rdlength") {
  bytes a5 = with_question(1, 0, 0);
  append(a5, record(1, wire({10, 0, 0, 1, 9})));
  CHECK(refusal(a5) == "at byte 29: answer record 1: A rdata of 5 bytes (must be 4)");
  bytes a3 = with_question(1, 0, 0);
  append(a3, record(1, wire({10, 0, 0})));
  CHECK(refusal(a3) == "at byte 29: answer record 1: A rdata of 3 bytes (must be 4)");
  bytes aaaa = with_question(1, 0, 0);
  append(aaaa, record(28, bytes(4, std::byte{0})));
  CHECK(refusal(aaaa) == "at byte 29: answer record 1: AAAA rdata of 4 bytes (must be 16)");
  CHECK(decode([] {
    bytes ok = with_question(1, 0, 0);
    append(ok, record(28, bytes(16, std::byte{0})));
    return ok;
  }()));
}

TEST_CASE("dns decode: SOA, MX and SRV rdata must fill rdlength exactly") {
  const bytes soa_names = wire({0xc0, 12, 0xc0, 12});  // mname a., rname a.
  bytes short_soa = with_question(0, 1, 0);
  bytes rdata = soa_names;
  append(rdata, bytes(19, std::byte{1}));
  append(short_soa, record(6, rdata));
  CHECK(refusal(short_soa) ==
        "at byte 35: authority record 1: SOA rdata: 20-byte field runs past rdlength 23");
  bytes long_soa = with_question(0, 1, 0);
  rdata = soa_names;
  append(rdata, bytes(21, std::byte{1}));
  append(long_soa, record(6, rdata));
  CHECK(refusal(long_soa) ==
        "at byte 55: authority record 1: SOA rdata: rdlength 25 but its fields end after 24 bytes");
  bytes mx_no_name = with_question(1, 0, 0);
  append(mx_no_name, record(15, wire({0, 10})));
  append(mx_no_name, wire({0, 0, 1, 0, 1}));  // a valid name after the rdata: not part of it
  CHECK(refusal(mx_no_name) ==
        "at byte 33: answer record 1: MX rdata: name at byte 33 runs past the end of the rdata");
  bytes srv_short = with_question(1, 0, 0);
  append(srv_short, record(33, wire({0, 1, 0, 2})));
  CHECK(refusal(srv_short) ==
        "at byte 31: answer record 1: SRV rdata: 6-byte field runs past rdlength 4");
  bytes cname_label_out = with_question(1, 0, 0);
  append(cname_label_out, record(5, wire({3, "ab"})));
  append(cname_label_out, wire({0}));
  CHECK(refusal(cname_label_out) ==
        "at byte 31: answer record 1: CNAME rdata: label of 3 bytes runs past the end of the rdata");
}

TEST_CASE("dns decode: one OPT at most, in the additional section, owned by the root") {
  bytes two = with_question(0, 0, 2);
  append(two, opt_record());
  append(two, opt_record());
  CHECK(refusal(two) == "at byte 30: second OPT record (the first is at byte 19)");
  bytes in_answer = with_question(1, 0, 0);
  append(in_answer, opt_record());
  CHECK(refusal(in_answer) == "at byte 19: OPT record in the answer section");
  bytes in_authority = with_question(0, 1, 0);
  append(in_authority, opt_record());
  CHECK(refusal(in_authority) == "at byte 19: OPT record in the authority section");
  bytes owned = with_question(0, 0, 1);
  append(owned, wire({0xc0, 12, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}));
  CHECK(refusal(owned) == "at byte 19: OPT record owned by a. (must be the root)");
  bytes overrun = with_question(0, 0, 1);
  append(overrun, wire({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 8, 1, 2}));
  CHECK(refusal(overrun) == "at byte 30: EDNS option 10 of 8 bytes runs past the end of the OPT rdata");
  bytes cut = with_question(0, 0, 1);
  append(cut, wire({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 2, 0, 10}));
  CHECK(refusal(cut) == "at byte 30: EDNS option header cut off by the end of the OPT rdata");
}

TEST_CASE("dns decode: the OPT's fields, and a version above 0 is decoded for BADVERS") {
  bytes b = with_question(0, 0, 1);
  // payload 4096, extended rcode 1, version 1, DO and one other flag bit,
  // a cookie option of 8 bytes.
  append(b, wire({0, 0, 41, 0x10, 0x00, 1, 1, 0x80, 0x01, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));
  const message m = dns_test::decoded(b);
  REQUIRE(m.edns);
  CHECK(m.edns->udp_payload_size == 4096);
  CHECK(m.edns->extended_rcode == 1);
  CHECK(m.edns->version == 1);
  CHECK(m.edns->dnssec_ok);
  CHECK(m.edns->z == 1);
  CHECK(m.edns->options.size() == 12);
  CHECK(m.full_rcode() == rcode::badvers);
  CHECK(encode(m) == b);
}

TEST_CASE("dns decode: bytes after the last record are ignored unless refused") {
  bytes b = dns_test::www_query();
  append(b, wire({0xde, 0xad}));
  const message m = dns_test::decoded(b);
  CHECK(m.questions.size() == 1);
  CHECK(m == dns_test::decoded(dns_test::www_query()));
  CHECK(refusal(b, {.trailing = trailing_data::refuse}) == "at byte 44: 2 bytes after the last record");
  CHECK(decode(dns_test::www_query(), {.trailing = trailing_data::refuse}));
}

TEST_CASE("dns decode: unknown types are opaque, the header's bits all kept") {
  bytes b = header_bytes(0xffff, 0xffff, 1, 1, 0, 0);  // every flag, opcode 15, rcode 15
  append(b, wire({1, "a", 0, 0xff, 0x00, 0x12, 0x34}));
  append(b, wire({0xc0, 12, 0xff, 0x00, 0x12, 0x34, 0xff, 0xff, 0xff, 0xff, 0, 3, 0xc0, 12, 0}));
  const message m = dns_test::decoded(b);
  CHECK(m.header.qr);
  CHECK(m.header.z);
  CHECK(static_cast<int>(m.header.opcode) == 15);
  CHECK(m.header.rcode == 15);
  CHECK(m.questions[0].qtype == static_cast<rr_type>(0xff00));
  CHECK(m.questions[0].qclass == static_cast<rr_class>(0x1234));
  CHECK(m.answers[0].rdata == wire({0xc0, 12, 0}));  // opaque: not a name to the codec
  CHECK(m.answers[0].ttl == 0xffffffff);
  CHECK(encode(m) == b);
}
