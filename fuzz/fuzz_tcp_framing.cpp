// libFuzzer target for the TCP driver's framing decoder (agora/drivers/
// tcp_framing.hpp). The first bytes pick the framing and MAX; the rest is
// the stream. Checked for every input:
//  - cut into pieces of any sizes (fed with feed() or prepare()/commit()),
//    lines and frames decode to the same messages, end state and error text
//    as fed at once; raw chunks (which follow the pieces) always
//    concatenate back to the stream;
//  - every message respects MAX (lines hold no '\n'; raw chunks are not
//    empty);
//  - the decoder never holds more than its bound between reads: nothing
//    for raw, MAX + 1 bytes for lines, MAX + 3 for frames, MAX + 1 for frames16;
//  - messages encoded again decode to the same messages.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "agora/drivers/tcp_framing.hpp"

using agora::tcp::decoder;
using agora::tcp::framing;
using agora::tcp::framing_kind;

namespace {

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "tcp framing: %s\n", what);
  std::abort();
}

struct outcome {
  std::vector<std::string> messages;
  decoder::status last = decoder::status::need_more;
  std::string error;
  bool operator==(const outcome&) const = default;
};

std::size_t bound(const framing& f) {
  switch (f.kind) {
    case framing_kind::raw:
      return 0;
    case framing_kind::lines:
      return f.max + 1;
    case framing_kind::frames:
      return f.max + 3;
    case framing_kind::frames16:
      return f.max + 1;
  }
  return 0;
}

/// Decodes `stream` fed in pieces whose sizes come from `seed` (0: at once).
outcome decode(const framing& f, std::string_view stream, std::uint32_t seed) {
  decoder d(f);
  outcome out;
  auto drain = [&] {
    std::string_view m;
    for (;;) {
      out.last = d.next(m);
      if (out.last != decoder::status::message) break;
      if (m.size() > f.max) violation("message over MAX");
      if (f.kind == framing_kind::lines && m.find('\n') != std::string_view::npos)
        violation("line holds a newline");
      if (f.kind == framing_kind::raw && m.empty()) violation("empty raw chunk");
      out.messages.emplace_back(m);
    }
    if (out.last == decoder::status::need_more && d.buffered() > bound(f))
      violation("decoder holds more than its bound");
  };
  std::size_t at = 0;
  while (at < stream.size() && out.last != decoder::status::too_long) {
    std::size_t n = stream.size() - at;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      n = std::min<std::size_t>(n, 1 + (seed >> 16) % 97);
    }
    if (seed & 1) {
      d.feed(stream.substr(at, n));
    } else {
      auto room = d.prepare(n + (seed >> 8) % 7);  // room may be bigger than used
      std::memcpy(room.data(), stream.data() + at, n);
      d.commit(n);
    }
    at += n;
    drain();
  }
  if (out.last != decoder::status::too_long) {
    d.finish();
    drain();
    if (out.last != decoder::status::end) violation("finished stream did not end");
  }
  out.error = d.error();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const framing f{static_cast<framing_kind>(data[0] % 4),
                  1 + ((std::size_t{data[1]} << 8 | data[2]) % 300)};
  const std::uint32_t seed = data[3] | 1u << 8;  // never 0: pieces
  const std::string_view stream(reinterpret_cast<const char*>(data) + 4, size - 4);

  const outcome whole = decode(f, stream, 0);
  const outcome pieces = decode(f, stream, seed);
  const outcome other = decode(f, stream, seed + 2);  // even: prepare/commit
  if (f.kind == framing_kind::raw) {
    // Raw chunks follow the reads; only their concatenation is the stream.
    for (const outcome* o : {&whole, &pieces, &other}) {
      std::string joined;
      for (auto& m : o->messages) joined += m;
      if (joined != stream) violation("raw chunks do not add up to the stream");
    }
    return 0;
  }
  if (!(whole == pieces)) violation("pieces decode differently from the whole");
  if (!(whole == other)) violation("prepare/commit decodes differently from feed");
  if (whole.last == decoder::status::too_long) return 0;
  // Encode again and decode: the same messages (lines with a trailing '\r'
  // do not survive: "a\r" + "\n" reads back as "a").
  std::string again;
  for (auto& m : whole.messages) {
    if (f.kind == framing_kind::lines && !m.empty() && m.back() == '\r') return 0;
    agora::tcp::encode(f, m, again);
  }
  if (decode(f, again, seed).messages != whole.messages) violation("encode/decode round trip");
  return 0;
}
