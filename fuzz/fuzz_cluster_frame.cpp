// libFuzzer target for the cluster's frame codecs (cluster/src). The first
// byte picks what the rest is:
//   0  a session payload for the op decoder: whatever it accepts re-encodes
//      to exactly the input (ops <-> bytes is a bijection);
//   1  a frame for a session opener (key fixed): it opens only frames
//      sealed with that key for sequence 0, and what opens decodes or is
//      refused like any payload;
//   2  a payload sealed with a sealer and opened by the matching opener: it
//      comes back unchanged; then the byte the input picks is altered and
//      the frame must no longer open;
//   3  a handshake frame for the four parsers: what one accepts builds back
//      to exactly the input.
// Anything refused must be a protocol_error.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "frame.hpp"
#include "op.hpp"
#include "session.hpp"

using namespace agora::cluster;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "cluster frame: %s\n", what);
  std::abort();
}

using bytes = std::vector<std::byte>;

constexpr agora::decode_limits limits{.max_size = 1 << 16, .max_depth = 32};

std::array<std::byte, session_key_size> fuzz_key() {
  std::array<std::byte, session_key_size> k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(i * 7 + 1);
  return k;
}

void check_payload(std::span<const std::byte> payload) {
  std::vector<op> ops;
  try {
    ops = decode_ops(payload, limits);
  } catch (const protocol_error&) {
    return;
  }
  bytes again = {std::byte{agora::binary_version}};
  for (const op& o : ops) append_op(o, again);
  if (!std::equal(again.begin(), again.end(), payload.begin(), payload.end()))
    violation("accepted payload does not re-encode to itself");
}

void open_frame(std::span<const std::byte> frame) {
  session_opener opener(fuzz_key());
  std::span<const std::byte> payload;
  try {
    payload = opener.open(frame);
  } catch (const protocol_error&) {
    if (opener.next_sequence() != 0) violation("a refused frame advanced the sequence");
    return;
  }
  check_payload(payload);
}

void seal_and_open(std::span<const std::byte> in) {
  if (in.size() < 2) return;
  const std::size_t victim = static_cast<std::size_t>(in[0]);
  const auto payload_ops = in.subspan(1);
  bytes wire;
  session_sealer::begin(wire);
  wire.insert(wire.end(), payload_ops.begin(), payload_ops.end());
  session_sealer sealer(fuzz_key());
  sealer.seal(wire);
  const std::span<const std::byte> frame = std::span(wire).subspan(frame_prefix_size);
  session_opener opener(fuzz_key());
  const auto payload = opener.open(frame);
  if (payload.size() != payload_ops.size() + 1 ||
      !std::equal(payload_ops.begin(), payload_ops.end(), payload.begin() + 1))
    violation("the opened payload differs from the sealed one");
  bytes altered(frame.begin(), frame.end());
  altered[victim % altered.size()] ^= std::byte{0x01};
  session_opener other(fuzz_key());
  try {
    other.open(altered);
  } catch (const protocol_error&) {
    return;
  }
  violation("an altered frame opened");
}

template <class Parse>
void round_trip(std::span<const std::byte> frame, Parse parse) {
  bytes wire;
  try {
    wire = build(parse(frame));
  } catch (const protocol_error&) {
    return;
  }
  if (!std::equal(wire.begin() + frame_prefix_size, wire.end(), frame.begin(), frame.end()))
    violation("an accepted handshake frame does not build back to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto in = std::as_bytes(std::span(data + 1, size - 1));
  switch (data[0] % 4) {
    case 0:
      check_payload(in);
      break;
    case 1:
      open_frame(in);
      break;
    case 2:
      seal_and_open(in);
      break;
    case 3:
      round_trip(in, parse_hello);
      round_trip(in, parse_challenge);
      round_trip(in, parse_auth);
      round_trip(in, parse_refuse);
      break;
  }
  return 0;
}
