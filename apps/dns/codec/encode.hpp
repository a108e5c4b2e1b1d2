// encode(): agora::dns::message -> wire bytes, with name compression
// (compression.hpp) and truncation to a size limit:
//  - the header, the questions and the OPT record (from message::edns)
//    are always written;
//  - answer and authority records are added while they fit below
//    max_size, whole RRsets at a time (records of one owner, type and
//    class in a row); the first RRset that does not fit sets TC and ends
//    the message (RFC 2181 §9);
//  - additional records that do not fit are left out without TC (they are
//    not needed for the answer: RFC 2181 §9), again by whole RRsets.
// Throws std::invalid_argument for a message that cannot be encoded: an
// OPT record in a section (EDNS goes in message::edns), rdata that does
// not fit its type (rdata_layout.hpp) or is over 65535 bytes, or questions
// and OPT alone over 65535 bytes.
#pragma once

#include <cstddef>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

/// The largest DNS message (a TCP message's length prefix is 16 bits).
inline constexpr std::size_t max_message_size = 65535;
/// The smallest limit a UDP reply ever gets (RFC 1035 §4.2.1).
inline constexpr std::size_t classic_udp_size = 512;

struct encode_options {
  /// 512 for UDP without EDNS, the client's EDNS size (see
  /// udp_reply_limit()) over UDP, 65535 over TCP. At most 65535.
  std::size_t max_size = max_message_size;
  bool compress = true;
};

std::vector<std::byte> encode(const message& m, const encode_options& options = {});

}  // namespace agora::dns
