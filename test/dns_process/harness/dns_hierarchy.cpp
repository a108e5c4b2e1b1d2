#include "dns_hierarchy.hpp"

#include <fstream>
#include <stdexcept>

#include "net_namespace.hpp"

namespace dns_process::hierarchy {

namespace {

/// A zone with only what zone_text() always writes: no generated hosts,
/// no big TXT, no chain, no delegation (the callers add theirs).
zone_spec bare_zone(const std::string& origin, const std::string& address, std::array<std::uint8_t, 4> www) {
  zone_spec spec;
  spec.origin = origin;
  spec.ns_address = address;
  spec.www_address = www;
  spec.default_ttl = default_ttl;
  spec.soa_minimum = soa_minimum;
  spec.hosts = 0;
  spec.cname_chain = 0;
  spec.big_txt_bytes = 0;
  spec.delegations.clear();
  return spec;
}

}  // namespace

std::vector<zone_site> zones() {
  // Delegation names are relative to the parent's origin, as in a zone
  // file: "ns1.test" under "." is ns1.test.
  zone_spec root = bare_zone(root_origin, root_address, {192, 0, 2, 100});
  root.delegations = {{"test", "ns1.test", std::string(tld_address)}};

  zone_spec tld = bare_zone(tld_origin, tld_address, {192, 0, 2, 2});
  tld.delegations = {
      {"example", "ns1.example", std::string(example_address)},
      {"elsewhere", "ns1.elsewhere", std::string(elsewhere_address)},
      // ns.elsewhere.test. is below the elsewhere.test. cut: test. has no
      // address for it, so its referral carries none.
      {"glueless", glueless_server_name, std::nullopt},
  };

  zone_spec example = bare_zone(example_origin, example_address, example_www);
  example.cname_chain = example_chain_cnames;
  example.big_txt_bytes = 2000;  // a reply truncated over UDP (TC), whole over TCP
  example.extra_lines = {std::string("cross IN CNAME ") + cross_target};

  zone_spec elsewhere = bare_zone(elsewhere_origin, elsewhere_address, elsewhere_www);
  elsewhere.extra_lines = {"ns IN A 127.0.5.1"};

  zone_spec glueless = bare_zone(glueless_origin, glueless_address, glueless_www);
  // The child names its parent's server too, so its NS set and the
  // parent's agree on ns.elsewhere.test.
  glueless.extra_lines = {std::string("@ IN NS ") + glueless_server_name};

  return {{root, root_address},
          {tld, tld_address},
          {example, example_address},
          {elsewhere, elsewhere_address},
          {glueless, glueless_address}};
}

std::string root_hints_text() {
  return std::string(
             ";       Root hints for agora's iterative DNS test bench\n"
             ";       (the layout of IANA's named.root; one root server)\n"
             ";\n"
             ".                        3600000      NS    ") +
         root_server_name + "\n" + root_server_name + "                     3600000      A     " + root_address +
         "\n; END OF FILE\n";
}

}  // namespace dns_process::hierarchy

namespace dns_process {

dns_hierarchy::dns_hierarchy() : dir_("agora-dns-hierarchy"), hints_path_(dir_ / "named.root") {
  if (!in_own_net_namespace())
    throw std::logic_error(
        "dns_hierarchy binds port 53 on 127.0.x.y: start it inside run_in_net_namespace(), not on the host");
  {
    std::ofstream out(hints_path_);
    out << hierarchy::root_hints_text();
    if (!out) throw std::runtime_error("cannot write " + hints_path_.string());
  }
  for (const auto& site : hierarchy::zones()) {
    servers_.push_back(std::make_unique<nsd_server>(std::vector<nsd_zone>{{site.spec.origin, zone_text(site.spec)}},
                                                    site.address, hierarchy::port));
    origins_.push_back(site.spec.origin);
  }
}

nsd_server& dns_hierarchy::server(std::string_view origin) {
  for (std::size_t i = 0; i < origins_.size(); ++i)
    if (origins_[i] == origin) return *servers_[i];
  throw std::out_of_range("no zone '" + std::string(origin) + "' in the DNS hierarchy");
}

}  // namespace dns_process
