#include "resolve/authority.hpp"

#include <unordered_set>

#include <fmt/format.h>

namespace agora::dns {

const resource_record* negative_soa(std::span<const resource_record> authorities, const name& final_name,
                                    const name& zone, rr_class rclass) {
  const resource_record* best = nullptr;
  for (const resource_record& r : authorities) {
    if (r.type != rr_type::soa || r.rclass != rclass) continue;
    if (!final_name.is_subdomain_of(r.owner) || !r.owner.is_subdomain_of(zone)) continue;
    if (!r.soa()) continue;  // rdata that is not an SOA's
    if (!best || r.owner.label_count() > best->owner.label_count()) best = &r;
  }
  return best;
}

namespace {

bool may_delegate(const resource_record& r, const name& final_name, const name& zone, rr_class rclass) {
  return r.type == rr_type::ns && r.rclass == rclass && r.owner.is_subdomain_of(zone) && !(r.owner == zone) &&
         final_name.is_subdomain_of(r.owner) && r.target_name().has_value();
}

}  // namespace

std::optional<delegation> find_delegation(std::span<const resource_record> authorities, const name& final_name,
                                          const name& zone, rr_class rclass) {
  const resource_record* closest = nullptr;
  for (const resource_record& r : authorities)
    if (may_delegate(r, final_name, zone, rclass) &&
        (!closest || r.owner.label_count() > closest->owner.label_count()))
      closest = &r;
  if (!closest) return std::nullopt;
  delegation d{closest->owner, {}};
  for (const resource_record& r : authorities)
    if (may_delegate(r, final_name, zone, rclass) && r.owner == d.zone) d.ns.push_back(&r);
  return d;
}

std::string lame_referral_reason(std::span<const resource_record> authorities, const name& final_name,
                                 const name& zone, rr_class rclass) {
  for (const resource_record& r : authorities) {
    if (r.type != rr_type::ns || r.rclass != rclass) continue;
    if (r.owner == zone)
      return fmt::format("a referral to {}, the zone asked", r.owner.to_text());
    if (!r.owner.is_subdomain_of(zone))
      return fmt::format("a referral to {}, outside the zone {}", r.owner.to_text(), zone.to_text());
    if (!final_name.is_subdomain_of(r.owner))
      return fmt::format("a referral to {}, which is not above {}", r.owner.to_text(), final_name.to_text());
    return fmt::format("a referral to {} with unusable NS data", r.owner.to_text());
  }
  return {};
}

std::vector<const resource_record*> find_glue(std::span<const resource_record> additionals,
                                              std::span<const name> servers, const name& zone, rr_class rclass) {
  const std::unordered_set<name, name_hash> wanted(servers.begin(), servers.end());
  std::vector<const resource_record*> glue;
  for (const resource_record& r : additionals) {
    if (r.type != rr_type::a && r.type != rr_type::aaaa) continue;
    if (r.rclass != rclass || !r.owner.is_subdomain_of(zone) || !wanted.contains(r.owner)) continue;
    glue.push_back(&r);
  }
  return glue;
}

}  // namespace agora::dns
