// For the suites that query nsd: the zone they all use, and nsd serving it
// (or nullopt after printing why the test is skipped).
#pragma once

#include <doctest/doctest.h>

#include <memory>

#include "nsd_server.hpp"
#include "required_program.hpp"
#include "zone_file.hpp"

namespace dns_process {

/// example.test.: SOA TTL 3600, minimum 300, 5 hosts at TTL 600, a
/// 3-CNAME chain, a 2000-byte TXT, the two delegations.
inline zone_spec test_zone() {
  zone_spec spec;
  spec.hosts = 5;
  return spec;
}

/// nsd serving test_zone(), or null if nsd is missing (the skip is printed).
inline std::unique_ptr<nsd_server> start_nsd(const zone_spec& spec = test_zone()) {
  if (const auto why = missing_program("nsd", "nsd")) {
    MESSAGE(*why);
    return nullptr;
  }
  return std::make_unique<nsd_server>(std::vector<nsd_zone>{{spec.origin, zone_text(spec)}});
}

}  // namespace dns_process
