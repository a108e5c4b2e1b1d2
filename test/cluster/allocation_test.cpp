// The hot path allocates nothing: once the frame buffer has room, writing
// msg/fb ops, sealing and opening a frame make no C++ allocation. (OpenSSL
// 3.0's own HMAC reset allocates inside libcrypto; see crypto.hpp.)
//
// This file replaces the global operator new of the test program with one
// that counts, per thread; everything else keeps working as before.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include "op.hpp"
#include "session.hpp"

namespace {
thread_local std::size_t allocations = 0;
}

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace agora;
using namespace agora::cluster;

TEST_CASE("hot path: writing, sealing and opening message frames allocates nothing") {
  std::array<std::byte, session_key_size> key;
  key.fill(std::byte{9});
  session_sealer sealer(key);
  session_opener opener(key);
  const term body = rec("say", "alice", seq(1, seq(2, rec("deep", 3))), 42);
  std::vector<std::byte> wire;
  wire.reserve(4096);

  const std::size_t before = allocations;
  for (int frame = 0; frame < 100; ++frame) {
    session_sealer::begin(wire);
    for (int i = 0; i < 10; ++i) {
      append_msg(body, wire);
      append_fb(body, wire);
    }
    sealer.seal(wire);
    opener.open(std::span<const std::byte>(wire).subspan(frame_prefix_size));
  }
  CHECK(allocations == before);
  CHECK(opener.next_sequence() == 100);
}
