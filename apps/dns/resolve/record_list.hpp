// The records a scrubbed section keeps, each once: RFC 2181 §5 says an
// RRset holds no duplicates, so a second record with the same owner (any
// case), type, class and rdata is dropped whatever its TTL. Records come
// in with RFC 2181 §8's TTL rule applied: above 2^31 - 1 is 0.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

#include "codec/record.hpp"

namespace agora::dns {

/// `r` with its TTL replaced by effective_ttl().
resource_record with_rfc2181_ttl(resource_record r);

class record_list {
 public:
  /// Adds `r` (TTL clamped) unless an equal record is there; true if added.
  bool add(const resource_record& r);
  std::size_t size() const noexcept { return records_.size(); }
  std::vector<resource_record> take() && { return std::move(records_); }
  const std::vector<resource_record>& records() const noexcept { return records_; }

 private:
  std::vector<resource_record> records_;
  std::unordered_set<std::string> keys_;  // hashed, so a hostile 6,000-record section costs O(n)
};

}  // namespace agora::dns
