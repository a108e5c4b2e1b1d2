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

using namespace agora::dns;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "dns codec: %s\n", what);
  std::abort();
}

template <class T>
bool is_prefix(const std::vector<T>& part, const std::vector<T>& whole) {
  if (part.size() > whole.size()) return false;
  for (std::size_t i = 0; i < part.size(); ++i)
    if (!(part[i] == whole[i])) return false;
  return true;
}

/// `again`, decoded from an encoding of `m` limited to `limit` bytes: the
/// same message, or a truncation of it.
void check_same_or_truncated(const message& m, const message& again) {
  if (again.questions != m.questions) violation("questions changed");
  if (again.edns != m.edns) violation("EDNS changed");
  header h = again.header;
  h.tc = m.header.tc;
  if (!(h == m.header)) violation("header changed");
  if (m.header.tc && !again.header.tc) violation("TC cleared");
  if (!is_prefix(again.answers, m.answers) || !is_prefix(again.authorities, m.authorities) ||
      !is_prefix(again.additionals, m.additionals))
    violation("a section is not a prefix of the original's");
  const bool whole = again.answers.size() == m.answers.size() &&
                     again.authorities.size() == m.authorities.size();
  if (!whole && !again.header.tc) violation("answer or authority records dropped without TC");
  if (whole && again.header.tc && !m.header.tc) violation("TC set, but nothing needed was dropped");
  if (!whole && !again.additionals.empty()) violation("answers cut, but additional records kept");
}

std::vector<std::byte> encode_or_skip(const message& m, const encode_options& options, bool& skipped) {
  try {
    skipped = false;
    return encode(m, options);
  } catch (const std::invalid_argument& e) {
    if (std::string_view(e.what()).find("questions and OPT take") == std::string_view::npos) {
      std::fprintf(stderr, "dns codec: encode refused a decoded message: %s\n", e.what());
      std::abort();
    }
    skipped = true;
    return {};
  }
}

message must_decode(const std::vector<std::byte>& wire, const char* what) {
  auto r = decode(wire);
  if (!r) {
    std::fprintf(stderr, "dns codec: %s does not decode: %s\n", what, r.error().describe().c_str());
    std::abort();
  }
  return std::move(r).value();
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

  bool skipped = false;
  const auto once = encode_or_skip(m, {}, skipped);
  if (skipped) return 0;
  if (once.size() > max_message_size) violation("encoding over 65535 bytes");
  const message again = must_decode(once, "the encoding");
  check_same_or_truncated(m, again);
  if (encode_or_skip(again, {}, skipped) != once) violation("encoding is not stable");

  // Without compression, and within 512 bytes.
  const auto plain = encode_or_skip(m, {.compress = false}, skipped);
  if (!skipped) check_same_or_truncated(m, must_decode(plain, "the uncompressed encoding"));
  const auto small = encode_or_skip(m, {.max_size = classic_udp_size}, skipped);
  if (!skipped) {
    const message cut = must_decode(small, "the 512-byte encoding");
    check_same_or_truncated(m, cut);
    if (small.size() > classic_udp_size && !(cut.answers.empty() && cut.authorities.empty() &&
                                             cut.additionals.empty()))
      violation("records kept past the 512-byte limit");
  }
  return 0;
}
