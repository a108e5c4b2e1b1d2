// libFuzzer target for the cluster handshake state machines (cluster/src).
// The first byte picks the game; the rest drives it:
//   0  arbitrary frames into an acceptor;
//   1  arbitrary frames into a dialer (after its HELLO);
//   2  an honest dialer and acceptor whose frames the input alters in
//      flight (edits: frame, position, xor; xor 0 cuts the frame there):
//      if any frame arrived altered, the two sides are never both
//      established, and an altered HELLO, CHALLENGE or AUTH never
//      establishes the acceptor or reaches admit;
//   3  a dialer against an acceptor played with the secret, whose first
//      session frame carries the input as its ops: the dialer establishes
//      exactly when they decode and begin with welcome.
// Frames in games 0 and 1 are a 2-byte big-endian length, then the bytes.
// Nothing may throw but the state machines' own outcomes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "frame.hpp"
#include "handshake.hpp"

using namespace agora;
using namespace agora::cluster;

namespace {

using bytes = std::vector<std::byte>;

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "cluster handshake: %s\n", what);
  std::abort();
}

cluster_secret fuzz_secret() { return cluster_secret(bytes(32, std::byte{0x5c})); }

random_source counter_random(std::uint8_t seed) {
  return [n = std::uint64_t{seed}](std::span<std::byte> out) mutable {
    for (auto& b : out) b = static_cast<std::byte>((n++ * 0x9e3779b97f4a7c15ull) >> 56);
  };
}

const node_identity dialer_node{1, 100, node_role::member, "10.0.0.1:7000"};
const node_identity acceptor_node{2, 200, node_role::member, "10.0.0.2:7000"};

dialer_handshake make_dialer() {
  return dialer_handshake({"fuzz", dialer_node, fuzz_secret(), counter_random(1)});
}

acceptor_handshake make_acceptor(int* admitted = nullptr) {
  return acceptor_handshake(
      {"fuzz", acceptor_node, fuzz_secret(), counter_random(2)},
      [admitted](const node_identity&) -> std::optional<term> {
        if (admitted) ++*admitted;
        return std::nullopt;
      },
      [](const node_identity&) {
        return std::vector<op>{ops::welcome{{{2, 200, "10.0.0.2:7000", member_state::up}}}};
      });
}

bool pending(const handshake_outcome& o) { return std::holds_alternative<handshake_pending>(o); }
bool established(const handshake_outcome& o) {
  return std::holds_alternative<handshake_established>(o);
}

/// Splits the input into length-prefixed frames.
std::vector<bytes> frames_of(std::span<const std::byte> in) {
  std::vector<bytes> frames;
  while (in.size() >= 2) {
    std::size_t n = std::to_integer<std::size_t>(in[0]) << 8 | std::to_integer<std::size_t>(in[1]);
    in = in.subspan(2);
    n = std::min(n, in.size());
    frames.emplace_back(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
    in = in.subspan(n);
  }
  return frames;
}

template <class Machine>
void feed(Machine& m, std::span<const std::byte> in) {
  for (const bytes& f : frames_of(in)) {
    handshake_step s = m.on_frame(f);
    if (!pending(s.outcome)) return;
  }
}

void altered_play(std::span<const std::byte> in) {
  struct edit {
    std::size_t frame, position;
    std::byte x;
  };
  std::vector<edit> edits;
  for (; in.size() >= 4; in = in.subspan(4))
    edits.push_back({std::to_integer<std::size_t>(in[0]) % 4,
                     std::to_integer<std::size_t>(in[1]) << 8 | std::to_integer<std::size_t>(in[2]),
                     in[3]});
  int admitted = 0;
  dialer_handshake d = make_dialer();
  acceptor_handshake a = make_acceptor(&admitted);
  handshake_outcome dialer_end, acceptor_end;
  bool altered = false, altered_before_session = false;
  bytes wire = d.start();
  for (std::size_t step = 0; !wire.empty(); ++step) {
    bytes frame(wire.begin() + frame_prefix_size, wire.end());
    const bytes sent = frame;
    for (const edit& e : edits) {
      if (e.frame != step || frame.empty()) continue;
      if (e.x == std::byte{0}) frame.resize(e.position % frame.size());
      else frame[e.position % frame.size()] ^= e.x;
    }
    if (frame != sent) {
      altered = true;
      altered_before_session = altered_before_session || step < 3;
    }
    const bool to_acceptor = step % 2 == 0;
    handshake_outcome& end = to_acceptor ? acceptor_end : dialer_end;
    if (!pending(end)) break;
    handshake_step s = to_acceptor ? a.on_frame(frame) : d.on_frame(frame);
    end = std::move(s.outcome);
    wire = std::move(s.send);
  }
  if (altered && established(dialer_end) && established(acceptor_end))
    violation("both sides established over an altered frame");
  if (altered_before_session && (established(acceptor_end) || admitted != 0))
    violation("the acceptor admitted a dialer whose handshake was altered");
}

void welcome_ops(std::span<const std::byte> in) {
  dialer_handshake d = make_dialer();
  const bytes hello = d.start();
  const hello_frame h = parse_hello(std::span(hello).subspan(frame_prefix_size));
  nonce own;
  own.fill(std::byte{0x33});
  const cluster_secret secret = fuzz_secret();
  const auto t = transcript({"fuzz", h.node, h.nonce, acceptor_node, own});
  session_keys keys;
  derive_session_keys(secret, h.nonce, own, t, keys);
  session_sealer sealer(keys.acceptor);
  const bytes challenge = build(challenge_frame{acceptor_node, own, acceptor_mac(secret, t)});
  if (!pending(d.on_frame(std::span(challenge).subspan(frame_prefix_size)).outcome))
    violation("a valid CHALLENGE was refused");

  if (in.empty()) return;  // a frame without ops cannot be sealed
  bytes wire;
  session_sealer::begin(wire);
  wire.insert(wire.end(), in.begin(), in.end());
  sealer.seal(wire);
  const handshake_step s = d.on_frame(std::span(wire).subspan(frame_prefix_size));
  bool welcome = false;
  try {
    const auto ops = decode_ops(std::span(wire).subspan(frame_prefix_size + 1,
                                                        wire.size() - frame_prefix_size - 1 -
                                                            session_tag_size));
    welcome = std::holds_alternative<ops::welcome>(ops.front());
  } catch (const protocol_error&) {
  }
  if (established(s.outcome) != welcome)
    violation("the dialer's verdict on the first session frame disagrees with its ops");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto in = std::as_bytes(std::span(data + 1, size - 1));
  switch (data[0] % 4) {
    case 0: {
      acceptor_handshake a = make_acceptor();
      feed(a, in);
      break;
    }
    case 1: {
      dialer_handshake d = make_dialer();
      d.start();
      feed(d, in);
      break;
    }
    case 2:
      altered_play(in);
      break;
    case 3:
      welcome_ops(in);
      break;
  }
  return 0;
}
