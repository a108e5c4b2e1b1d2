// Does a datagram from an upstream answer the query we sent it (RFC 5452
// §9.1)? The caller has decoded it and checked the address and port it
// came from; this checks the rest.
#pragma once

#include <optional>
#include <string>

#include "codec/message.hpp"

namespace agora::dns {

/// Why `reply` is not a reply to `query`, or nullopt if it is: QR set,
/// opcode QUERY, the query's ID, and the query's one question byte for
/// byte (0x20 case included, see question_mismatch in codec/query.hpp).
/// A reply without a question (some servers' FORMERR) does not match.
std::optional<std::string> reply_mismatch(const message& query, const message& reply);

}  // namespace agora::dns
