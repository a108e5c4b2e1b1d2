// What the authority and additional sections may contribute (RFC 2181
// §5.4.1, RFC 2308, RFC 5452 §6): the SOA of a negative answer, the NS
// records of a referral, and the glue addresses of those name servers.
// Each function picks from a section; the caller decides which apply.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

/// The SOA that may come with a negative answer for `final_name`: owner
/// at or above `final_name` and inside `zone`; among several, the one
/// closest to `final_name` (the first of those). nullptr if none.
const resource_record* negative_soa(std::span<const resource_record> authorities, const name& final_name,
                                    const name& zone, rr_class rclass);

struct delegation {
  name zone;                                  // the NS owner: the delegated zone
  std::vector<const resource_record*> ns;     // its NS records, in order
};

/// The referral among `authorities`: NS records whose owner is strictly
/// below `zone` and at or above `final_name`; among several owners, the
/// closest to `final_name`. nullopt if none.
std::optional<delegation> find_delegation(std::span<const resource_record> authorities, const name& final_name,
                                          const name& zone, rr_class rclass);

/// Why the NS records in `authorities` (if any) make no referral: the first
/// one's owner is `zone` itself, above it, or beside `final_name`. Empty if
/// there are no NS records.
std::string lame_referral_reason(std::span<const resource_record> authorities, const name& final_name,
                                 const name& zone, rr_class rclass);

/// Glue: A and AAAA records in `additionals` whose owner is one of
/// `servers` and inside `zone` (out-of-bailiwick addresses are what cache
/// poisoning uses: never taken).
std::vector<const resource_record*> find_glue(std::span<const resource_record> additionals,
                                              std::span<const name> servers, const name& zone, rr_class rclass);

}  // namespace agora::dns
