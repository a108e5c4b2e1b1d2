// libFuzzer target for the DNS message codec (apps/dns/codec). Checked for
// every input:
//  - decode() fails cleanly (no header below 12 bytes, otherwise a
//    malformed body with an offset within the input), or
//  - the message encodes (a decoded message may only be refused for
//    questions over 65535 bytes once re-encoded), the encoding decodes,
//    and the result is the same message — or, when the re-encoding did
//    not fit (names the input compressed in ways the encoder does not,
//    e.g. pointers into the middle of labels), a truncated one: TC set
//    and every section a prefix of the original's;
//  - encoding it again gives the same bytes (so names keep their case);
//  - encoded without compression, and truncated to 512 bytes, it still
//    decodes to a prefix of itself, within the limit.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "dns_fuzz_checks.hpp"

using namespace agora::dns;

namespace {

constexpr const char* target = "dns codec";

[[noreturn]] void violation(const char* what) { dns_fuzz::violation(target, what); }

void check_same_or_truncated(const message& m, const message& again) {
  dns_fuzz::check_same_or_truncated(target, m, again);
}

message must_decode(const std::vector<std::byte>& wire, const char* what) {
  return dns_fuzz::must_decode(target, wire, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  auto decoded = decode(input);
  if (!decoded) {
    const decode_error& e = decoded.error();
    if ((e.kind == decode_failure::no_header) != (size < header_size)) violation("wrong failure kind");
    if (e.offset > size) violation("error offset past the input");
    if (e.what.empty()) violation("error without a message");
    return 0;
  }
  const message& m = decoded.value();
  if (!(decode_header(input) == m.header)) violation("decode_header differs from decode");

  const auto once = dns_fuzz::encode_documented(target, m);
  if (!once) return 0;
  if (once->size() > max_message_size) violation("encoding over 65535 bytes");
  const message again = must_decode(*once, "the encoding");
  check_same_or_truncated(m, again);
  if (dns_fuzz::encode_documented(target, again) != once) violation("encoding is not stable");

  // Without compression, and within 512 bytes.
  if (const auto plain = dns_fuzz::encode_documented(target, m, {.compress = false}))
    check_same_or_truncated(m, must_decode(*plain, "the uncompressed encoding"));
  if (const auto small = dns_fuzz::encode_documented(target, m, {.max_size = classic_udp_size})) {
    const message cut = must_decode(*small, "the 512-byte encoding");
    check_same_or_truncated(m, cut);
    if (small->size() > classic_udp_size && !(cut.answers.empty() && cut.authorities.empty() &&
                                              cut.additionals.empty()))
      violation("records kept past the 512-byte limit");
  }
  return 0;
}
