#include "resolve/record_list.hpp"

#include <cstdint>

namespace agora::dns {

namespace {

// Owner (lower case), type, class and rdata: what makes two records the same.
std::string identity_of(const resource_record& r) {
  std::string key = r.owner.canonical_key();
  const auto type = static_cast<std::uint16_t>(r.type);
  const auto rclass = static_cast<std::uint16_t>(r.rclass);
  key.push_back(static_cast<char>(type >> 8));
  key.push_back(static_cast<char>(type & 0xff));
  key.push_back(static_cast<char>(rclass >> 8));
  key.push_back(static_cast<char>(rclass & 0xff));
  for (std::byte b : r.rdata) key.push_back(static_cast<char>(b));
  return key;
}

}  // namespace

resource_record with_rfc2181_ttl(resource_record r) {
  r.ttl = r.effective_ttl();
  return r;
}

bool record_list::add(const resource_record& r) {
  if (!keys_.insert(identity_of(r)).second) return false;
  records_.push_back(with_rfc2181_ttl(r));
  return true;
}

}  // namespace agora::dns
