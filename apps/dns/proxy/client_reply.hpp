// Replies to a client's query that do not come from the cache: an answer
// that could not be cached (a TTL of 0, a negative answer without SOA) and
// error replies (SERVFAIL, REFUSED).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

/// `answer` (a scrubbed upstream reply) as the reply to `query`: the
/// client's ID, question (its case), RD and CD; QR and RA set, AA and AD
/// clear; an OPT record (payload `edns_size`) if the query had one; at most
/// `max_size` bytes (truncated with TC beyond).
std::vector<std::byte> reply_for(const message& answer, const message& query, std::size_t max_size,
                                 std::uint16_t edns_size);
/// An error reply with `code` to `query`, within `max_size`.
std::vector<std::byte> error_for(const message& query, rcode code, std::size_t max_size, std::uint16_t edns_size);

}  // namespace agora::dns
