// The TTL rules of cache_lifetime.hpp.
#include "cache/cache_lifetime.hpp"

#include <algorithm>
#include <limits>

namespace agora::dns {

namespace {

template <class F>
void for_each_record(const message& m, F&& f) {
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const resource_record& rr : *section) f(rr);
}

std::size_t record_count(const message& m) {
  return m.answers.size() + m.authorities.size() + m.additionals.size();
}

std::optional<cache_lifetime> positive(const message& reply, const cache_policy& policy) {
  cache_lifetime life{answer_kind::positive, std::numeric_limits<std::uint32_t>::max(), {}};
  life.record_ttls.reserve(record_count(reply));
  for_each_record(reply, [&](const resource_record& rr) {
    // std::clamp needs min <= max: a policy with them crossed gets max_ttl.
    const std::uint32_t ttl = std::min(std::max(rr.effective_ttl(), policy.min_ttl), policy.max_ttl);
    life.record_ttls.push_back(ttl);
    life.seconds = std::min(life.seconds, ttl);
  });
  if (life.seconds == 0) return std::nullopt;
  return life;
}

std::optional<cache_lifetime> negative(const message& reply, const cache_policy& policy) {
  const resource_record* soa_record = nullptr;
  std::optional<soa_fields> soa;
  for (const resource_record& rr : reply.authorities) {
    if (rr.type != rr_type::soa) continue;
    soa = rr.soa();
    if (soa) {
      soa_record = &rr;
      break;
    }
  }
  if (!soa) return std::nullopt;
  const std::uint32_t seconds =
      std::min({soa_record->effective_ttl(), effective_ttl(soa->minimum), policy.max_negative_ttl});
  if (seconds == 0) return std::nullopt;
  cache_lifetime life{answer_kind::negative, seconds, {}};
  life.record_ttls.reserve(record_count(reply));
  for_each_record(reply, [&](const resource_record& rr) {
    life.record_ttls.push_back(&rr == soa_record ? seconds : std::min(rr.effective_ttl(), seconds));
  });
  return life;
}

}  // namespace

std::optional<cache_lifetime> lifetime_of(const message& reply, const cache_policy& policy) {
  const rcode code = reply.full_rcode();
  if (code == rcode::nxdomain) return negative(reply, policy);
  if (code != rcode::noerror) return std::nullopt;
  if (reply.answers.empty()) return negative(reply, policy);
  return positive(reply, policy);
}

}  // namespace agora::dns
