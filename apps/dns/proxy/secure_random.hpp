// Unpredictable numbers for what spoofing defences rest on (RFC 5452):
// upstream query IDs and 0x20 case patterns, from OpenSSL's CSPRNG. (Source
// ports come from the kernel: every upstream query binds port 0.)
#pragma once

#include <array>
#include <cstdint>

namespace agora::dns {

std::uint16_t random_query_id();
std::array<std::uint64_t, 4> random_case_bits();

}  // namespace agora::dns
