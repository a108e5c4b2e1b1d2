// libFuzzer target for agora::decode: whatever the decoder accepts must
// re-encode to exactly the input (the encoding is a bijection) and decode
// again to an equal term; everything else must be a decode_error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "agora/binary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const agora::decode_limits limits{.max_size = 4096, .max_depth = 32};
  const auto in = std::as_bytes(std::span(data, size));
  agora::term t;
  try {
    t = agora::decode(in, limits);
  } catch (const agora::decode_error&) {
    return 0;
  }
  const auto out = agora::encode(t);
  if (out.size() != size || std::memcmp(out.data(), data, size) != 0) std::abort();
  if (!(agora::decode(out, limits) == t)) std::abort();
  return 0;
}
