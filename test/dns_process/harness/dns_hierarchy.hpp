// A small DNS tree for testing iterative resolution: one nsd per zone, each
// on its own loopback address at port 53, as real authoritative servers
// are found. Port 53 and 127.0.x.y belong to the host, so the tree only
// starts inside a network namespace of the test's own (net_namespace.hpp).
//
//   .              127.0.1.1   test. NS ns1.test. (glue 127.0.2.1)
//   test.          127.0.2.1   example.test.   NS ns1.example.test.   (glue 127.0.3.1)
//                              elsewhere.test. NS ns1.elsewhere.test. (glue 127.0.4.1)
//                              glueless.test.  NS ns.elsewhere.test.  (no glue: out of test.'s data)
//   example.test.  127.0.3.1   www A, chain0 -> chain1 -> chain2 -> www,
//                              cross CNAME alias.glueless.test. (-> www.glueless.test.)
//   elsewhere.test. 127.0.4.1  ns A 127.0.5.1
//   glueless.test. 127.0.5.1   www A, alias CNAME www
//
// Each zone also has what zone_text() writes for every zone (SOA, ns1, MX,
// mail, www A/AAAA, txt, alias). The root hints name ns1. at 127.0.1.1.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/types.hpp"
#include "nsd_server.hpp"
#include "scratch_dir.hpp"
#include "zone_file.hpp"

namespace dns_process::hierarchy {

inline constexpr std::uint16_t port = 53;

// Each zone's origin and the address its nsd serves it on.
inline constexpr const char* root_origin = ".";
inline constexpr const char* root_address = "127.0.1.1";
inline constexpr const char* tld_origin = "test.";
inline constexpr const char* tld_address = "127.0.2.1";
inline constexpr const char* example_origin = "example.test.";
inline constexpr const char* example_address = "127.0.3.1";
inline constexpr const char* elsewhere_origin = "elsewhere.test.";
inline constexpr const char* elsewhere_address = "127.0.4.1";
inline constexpr const char* glueless_origin = "glueless.test.";
inline constexpr const char* glueless_address = "127.0.5.1";

// Name servers as the parents name them (each zone's apex also names
// ns1.ORIGIN; glueless.test.'s names both).
inline constexpr const char* root_server_name = "ns1.";
inline constexpr const char* tld_server_name = "ns1.test.";
inline constexpr const char* example_server_name = "ns1.example.test.";
inline constexpr const char* elsewhere_server_name = "ns1.elsewhere.test.";
inline constexpr const char* glueless_server_name = "ns.elsewhere.test.";  // A 127.0.5.1, in elsewhere.test.

// What a resolver should find.
inline constexpr std::array<std::uint8_t, 4> example_www{192, 0, 2, 1};    // www.example.test. A
inline constexpr std::array<std::uint8_t, 4> elsewhere_www{192, 0, 2, 4};  // www.elsewhere.test. A
inline constexpr std::array<std::uint8_t, 4> glueless_www{192, 0, 2, 5};   // www.glueless.test. A
inline constexpr std::array<std::uint8_t, 4> glueless_server_a{127, 0, 5, 1};  // ns.elsewhere.test. A
/// chain0.example.test. -> chain1 -> chain2 -> www.example.test. (one zone).
inline constexpr const char* example_chain = "chain0.example.test.";
inline constexpr std::size_t example_chain_cnames = 3;
/// cross.example.test. CNAME alias.glueless.test., which is CNAME
/// www.glueless.test.: the chain leaves example.test. for the glueless zone.
inline constexpr const char* cross_chain = "cross.example.test.";
inline constexpr const char* cross_target = "alias.glueless.test.";
inline constexpr const char* nxdomain_name = "nowhere.example.test.";
/// www.example.test. exists, but has no TXT: NODATA.
inline constexpr const char* nodata_name = "www.example.test.";
inline constexpr agora::dns::rr_type nodata_type = agora::dns::rr_type::txt;
inline constexpr std::uint32_t soa_minimum = 300;  // every zone's negative TTL
inline constexpr std::uint32_t default_ttl = 3600;  // every record's without its own

/// A zone of the tree and where it is served.
struct zone_site {
  zone_spec spec;
  std::string address;
};

/// The five zones, root first (pure: no server started).
std::vector<zone_site> zones();

/// The root hints file for the tree, in named.root's layout.
std::string root_hints_text();

}  // namespace dns_process::hierarchy

namespace dns_process {

/// The tree, served: five nsd processes and the root hints file.
class dns_hierarchy {
 public:
  /// Starts every zone's nsd (about 0.2 s each) and writes the hints.
  /// Throws std::logic_error outside a network namespace of the thread's
  /// own (it would bind the host's port 53), std::runtime_error (with
  /// nsd's log) if a server does not answer.
  dns_hierarchy();
  dns_hierarchy(const dns_hierarchy&) = delete;
  dns_hierarchy& operator=(const dns_hierarchy&) = delete;

  /// The root hints file (hierarchy::root_hints_text()).
  const std::filesystem::path& root_hints_path() const noexcept { return hints_path_; }
  /// The nsd serving `origin` ("." "test." ...); throws
  /// std::out_of_range for another.
  nsd_server& server(std::string_view origin);

 private:
  agora_test::scratch_dir dir_;
  std::filesystem::path hints_path_;
  std::vector<std::unique_ptr<nsd_server>> servers_;  // in the order of hierarchy::zones()
  std::vector<std::string> origins_;
};

}  // namespace dns_process
