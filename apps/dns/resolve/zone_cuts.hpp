// agora::dns::zone_cuts — what an iterative resolver knows of the zone cuts
// (RFC 1034 §4.2.1): for each zone learned from a referral, its name
// servers and their addresses, until the referral's TTL runs out; the root
// from the hints, always. closest() answers "whom do I ask about NAME": the
// deepest known zone that NAME is in. Addresses learned separately
// (glueless name servers, resolved as questions of their own) are filled
// into every zone that names that server. Bounded: at most max_zones
// zones (the oldest go first), servers_per_zone servers each,
// addresses_per_server addresses each. Time is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/name.hpp"
#include "resolve/ip_address.hpp"

namespace agora::dns {

struct name_server {
  name host;
  std::vector<ip_address> addresses;
  friend bool operator==(const name_server&, const name_server&) = default;
};

struct zone_cut {
  name zone;
  std::vector<name_server> servers;
  friend bool operator==(const zone_cut&, const zone_cut&) = default;
};

struct zone_cut_limits {
  std::size_t max_zones = 10'000;
  std::size_t servers_per_zone = 13;
  std::size_t addresses_per_server = 4;
  std::uint32_t max_ttl = 86'400;  // referral TTLs are capped here
};

class zone_cuts {
 public:
  using clock = std::chrono::steady_clock;
  explicit zone_cuts(std::vector<name_server> roots, zone_cut_limits limits = {});

  /// The deepest unexpired zone cut that `n` is in (the root at least).
  const zone_cut& closest(const name& n, clock::time_point now);
  /// A referral: `zone`'s servers (with what glue came), for `ttl` seconds.
  /// Replaces what was known of `zone`; addresses already known for a
  /// server it names are kept when the referral has none for it. A TTL of 0
  /// is not kept. The root is never replaced.
  void learn(const zone_cut& cut, std::uint32_t ttl, clock::time_point now);
  /// Addresses of server `host`, for every zone that names it.
  void learn_addresses(const name& host, const std::vector<ip_address>& addresses);

  std::size_t zones() const noexcept { return cuts_.size(); }

 private:
  struct entry {
    zone_cut cut;
    clock::time_point expires;
  };
  void trim(zone_cut& cut) const;

  zone_cut_limits limits_;
  zone_cut root_;
  std::unordered_map<std::string, entry> cuts_;  // by canonical zone key
  std::deque<std::string> order_;                // learning order, for the bound
};

}  // namespace agora::dns
