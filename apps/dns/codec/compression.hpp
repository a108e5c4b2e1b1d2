// The encoder's name compression (RFC 1035 §4.1.4): a table of the name
// suffixes already written and their offsets (only offsets below 0x4000
// fit a pointer). A name is written as its labels up to the longest suffix
// found, then a pointer. Suffixes match byte for byte, case included, so a
// decoded message encodes back to the same names (and a 0x20 question is
// never rewritten into another spelling). Each name costs one hash lookup
// per label, whatever the message holds (the work unbound's
// CVE-2024-8508 lacked a bound on).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "codec/name.hpp"

namespace agora::dns {

class compression_table {
 public:
  /// Appends `n` to `out`, with a pointer for its longest suffix already
  /// written if `compress`; remembers the suffixes it writes out in full.
  void write_name(std::vector<std::byte>& out, const name& n, bool compress);
  /// Forgets the suffixes at offsets ≥ `size`: the encoder cut `out` back
  /// to `size` bytes.
  void rollback(std::size_t size);

 private:
  struct added {
    std::uint64_t hash;
    std::uint16_t offset;
  };
  std::unordered_map<std::uint64_t, std::uint16_t> offsets_;  // suffix hash -> offset
  std::vector<added> log_;                                    // in the order added
};

}  // namespace agora::dns
