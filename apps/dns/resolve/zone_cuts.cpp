#include "resolve/zone_cuts.hpp"

#include <algorithm>

namespace agora::dns {

zone_cuts::zone_cuts(std::vector<name_server> roots, zone_cut_limits limits)
    : limits_(limits), root_{name::root(), std::move(roots)} {
  trim(root_);
}

void zone_cuts::trim(zone_cut& cut) const {
  if (cut.servers.size() > limits_.servers_per_zone) cut.servers.resize(limits_.servers_per_zone);
  for (auto& s : cut.servers)
    if (s.addresses.size() > limits_.addresses_per_server) s.addresses.resize(limits_.addresses_per_server);
}

const zone_cut& zone_cuts::closest(const name& n, clock::time_point now) {
  // From the name itself up to the first known, unexpired zone.
  for (name zone = n; !zone.is_root(); zone = zone.parent()) {
    auto it = cuts_.find(zone.canonical_key());
    if (it == cuts_.end()) continue;
    if (it->second.expires > now) return it->second.cut;
    cuts_.erase(it);  // its key stays in order_ until trimmed: harmless
  }
  return root_;
}

void zone_cuts::learn(const zone_cut& cut, std::uint32_t ttl, clock::time_point now) {
  if (cut.zone.is_root() || ttl == 0 || cut.servers.empty()) return;
  const std::string key = cut.zone.canonical_key();
  zone_cut fresh = cut;
  trim(fresh);
  if (auto old = cuts_.find(key); old != cuts_.end()) {
    for (auto& s : fresh.servers) {
      if (!s.addresses.empty()) continue;
      for (const auto& known : old->second.cut.servers)
        if (known.host == s.host) s.addresses = known.addresses;
    }
  } else {
    order_.push_back(key);
  }
  const auto lifetime = std::chrono::seconds(std::min(ttl, limits_.max_ttl));
  cuts_[key] = entry{std::move(fresh), now + lifetime};
  while (cuts_.size() > limits_.max_zones && !order_.empty()) {
    cuts_.erase(order_.front());
    order_.pop_front();
  }
  if (order_.size() > 2 * limits_.max_zones + 16) {  // keys of expired zones
    std::erase_if(order_, [this](const std::string& k) { return !cuts_.contains(k); });
  }
}

void zone_cuts::learn_addresses(const name& host, const std::vector<ip_address>& addresses) {
  auto fill = [&](zone_cut& cut) {
    for (auto& s : cut.servers)
      if (s.host == host) {
        s.addresses = addresses;
        if (s.addresses.size() > limits_.addresses_per_server) s.addresses.resize(limits_.addresses_per_server);
      }
  };
  fill(root_);
  for (auto& [key, e] : cuts_) fill(e.cut);
}

}  // namespace agora::dns
