// encoded_answer: a cached reply kept as the wire the client will get, so
// that serving it is a copy and a few patches instead of an encode:
//  - the wire is encoded once (compressed, ID 0, no OPT) with one question
//    whose name is a placeholder of the same length (labels of zero
//    bytes): no other name can be compressed against it, so the client's
//    spelling (0x20 case) can be copied over it without changing any
//    other name;
//  - the offset and stored value of every record's TTL field, counted
//    down at write time;
//  - a reply over the client's size limit takes the slow path: patch,
//    decode, re-encode with the limit (whole RRsets, TC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

/// How the TTLs of one written reply are counted.
struct ttl_clock {
  std::uint32_t elapsed = 0;   // whole seconds since the answer was stored
  bool stale = false;          // then every record gets stale_ttl
  std::uint32_t stale_ttl = 0;
  std::uint32_t served(std::uint32_t stored) const noexcept {
    return stale ? stale_ttl : (stored > elapsed ? stored - elapsed : 0);
  }
};

class encoded_answer {
 public:
  /// `reply`'s header RCODE and sections for question `q`, each record
  /// stored with the TTL `record_ttls` gives it (answers, authorities,
  /// additionals in order; as many as there are records). Throws
  /// std::invalid_argument if the codec cannot encode the records.
  encoded_answer(const question& q, const message& reply, std::span<const std::uint32_t> record_ttls);
  /// No records: a SERVFAIL (or another bare RCODE) for `q`.
  encoded_answer(const question& q, rcode code);

  /// Writes into `out` (cleared first) the reply to `query`, whose one
  /// question must be q (any case; std::invalid_argument otherwise): ID,
  /// RD and CD from the query, QR and RA set, AA, AD and TC clear; the
  /// question as the client spelled it; TTLs by `clock`; an OPT (1232,
  /// version 0, no options) if the query had EDNS; at most `max_size`
  /// bytes (truncated by the codec beyond that).
  void write(const message& query, const ttl_clock& clock, std::size_t max_size,
             std::vector<std::byte>& out) const;

  /// Bytes held (wire and TTL table, by capacity).
  std::size_t footprint() const noexcept;
  std::size_t wire_size() const noexcept { return wire_.size(); }
  std::uint8_t rcode_bits() const noexcept { return rcode_; }

 private:
  struct ttl_patch {
    std::uint16_t offset;  // of the TTL field; the wire is at most 65535 bytes
    std::uint32_t ttl;     // as stored
  };

  void encode_from(const message& stored, bool placeholder_is_unique);
  void check_question(const message& query) const;
  void write_slow(const message& query, const ttl_clock& clock, std::size_t max_size,
                  std::vector<std::byte>& out) const;

  std::vector<std::byte> wire_;
  std::vector<ttl_patch> ttls_;
  std::uint16_t qname_length_ = 0;
  std::uint16_t arcount_ = 0;
  std::uint8_t rcode_ = 0;
  // Some name in the records is spelled like the placeholder, so the
  // question could not be kept apart from them: always take the slow path.
  bool question_shared_ = false;
};

}  // namespace agora::dns
