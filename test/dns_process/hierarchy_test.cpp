// The iterative test bench: a network namespace of the test's own
// (net_namespace.hpp) and the DNS tree served in it (dns_hierarchy.hpp),
// walked by hand with the native client, RD clear, as a resolver would.
// Skips with one line without nsd or without the right to make a
// namespace.
#include <doctest/doctest.h>

#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "dns_client.hpp"
#include "dns_hierarchy.hpp"
#include "net_namespace.hpp"
#include "required_program.hpp"
#include "resolve/ip_address.hpp"
#include "resolve/root_hints.hpp"
#include "socket_fd.hpp"

using namespace dns_process;
namespace dns = agora::dns;
namespace h = dns_process::hierarchy;
using dns::rr_type;

namespace {

dns::name dn(const std::string& text) { return dns::name::from_text(text).value(); }

std::string text_of(const std::array<std::uint8_t, 4>& a) { return dns::ip_address::v4(a).to_text(); }

/// NAME TYPE to SERVER:53 with RD clear, as a resolver asks.
dns_reply ask_server(const std::string& server, const std::string& name, rr_type type = rr_type::a,
                     transport via = transport::udp) {
  query_spec q = ask(name, type, via);
  q.rd = false;
  auto r = dns_client(server, h::port).query(q);
  INFO("asking ", server, " for ", name);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  return std::move(*r);
}

/// Runs `check` with the tree served in a namespace of its own, or prints
/// why it cannot.
template <class F>
void with_tree(F check) {
  if (const auto why = missing_program("nsd", "nsd")) {
    MESSAGE(*why);
    return;
  }
  const auto r = run_in_net_namespace([&] {
    dns_hierarchy tree;
    check(tree);
  });
  if (!r) MESSAGE(r.error().why);
}

/// What the namespace's thread saw.
struct inside_facts {
  std::string thread_ns;
  std::string child_ns;  // a child process's own view
  std::vector<std::string> interfaces;
  bool host_port_bound = false;  // the port a host socket holds, bound again inside
  std::string echo;              // a datagram sent to 127.0.9.9:53 and read back
};

std::vector<std::string> interface_names() {
  std::vector<std::string> out;
  if (struct if_nameindex* list = if_nameindex()) {
    for (const struct if_nameindex* i = list; i->if_index != 0 && out.size() < 64; ++i) out.emplace_back(i->if_name);
    if_freenameindex(list);
  }
  return out;
}

/// Binds 127.0.9.9:53 over UDP, sends a datagram to it from another
/// socket and returns what arrived ("" if nothing within 2 s).
std::string echo_on_port_53() {
  const socket_fd server = bound_socket(SOCK_DGRAM, "127.0.9.9", 53);
  const socket_fd client = bound_socket(SOCK_DGRAM, "127.0.0.1", 0);
  const sockaddr_in to = ipv4_address("127.0.9.9", 53);
  const char ping[] = "ping";
  if (::sendto(client.get(), ping, 4, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 4) return "";
  pollfd p{server.get(), POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return "";
  char buf[16] = {};
  const auto n = ::recv(server.get(), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

/// Clears CAP_SYS_ADMIN from the calling thread's effective set (only
/// this thread: the kernel keeps credentials per thread; glibc is not
/// asked, so it does not spread the change to the others).
bool drop_sys_admin_on_this_thread() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  return ::syscall(SYS_capset, &header, data) == 0;
}

/// A referral's NS target and the glue for it (empty if none).
struct referral {
  dns::name zone;
  dns::name server;
  std::vector<std::string> glue;
};

referral referral_in(const dns_reply& r) {
  CHECK(!r.msg.header.aa);
  CHECK(r.msg.full_rcode() == dns::rcode::noerror);
  CHECK(r.msg.answers.empty());
  REQUIRE(r.msg.authorities.size() == 1);
  REQUIRE(r.msg.authorities[0].type == rr_type::ns);
  referral out{r.msg.authorities[0].owner, r.msg.authorities[0].target_name().value(), {}};
  for (const auto& rec : r.msg.additionals)
    if (rec.owner == out.server && rec.a_address()) out.glue.push_back(text_of(*rec.a_address()));
  return out;
}

/// A resolver's walk, by hand and bounded: from the root, follow each
/// referral to its glue, or (glueless) walk for the server's address
/// first; stop at the first answer that is not a referral. `trace` gets
/// "SERVER NAME" for each query.
dns::message walk(const dns::name& qname, rr_type type, std::vector<std::string>& trace, int& budget) {
  std::string server = h::root_address;
  while (budget-- > 0) {
    trace.push_back(server + " " + qname.to_text());
    const dns_reply r = ask_server(server, qname.to_text(), type);
    const bool is_referral = !r.msg.header.aa && r.msg.answers.empty() && !r.msg.authorities.empty() &&
                             r.msg.authorities[0].type == rr_type::ns;
    if (!is_referral) return r.msg;
    const referral next = referral_in(r);
    if (!next.glue.empty()) {
      server = next.glue.front();
      continue;
    }
    const dns::message found = walk(next.server, rr_type::a, trace, budget);
    REQUIRE(!found.answers.empty());
    REQUIRE(found.answers.back().a_address());
    server = text_of(*found.answers.back().a_address());
  }
  FAIL("the walk for ", qname.to_text(), " ran out of queries");
  return {};
}

}  // namespace

TEST_CASE("net namespace: f runs on a thread in a namespace of its own with lo up, and its children too") {
  const std::string host_ns = current_net_namespace();
  const socket_fd host_socket = bound_socket(SOCK_DGRAM, "127.0.0.1", 0);
  const std::uint16_t host_port = local_port(host_socket.get());

  const auto r = run_in_net_namespace([&] {
    inside_facts facts;
    facts.thread_ns = current_net_namespace();
    agora_apps::child_process child({"readlink", "/proc/self/ns/net"});
    facts.child_ns = child.line(std::chrono::seconds(5)).value_or("(no output)");
    facts.interfaces = interface_names();
    try {
      const socket_fd again = bound_socket(SOCK_DGRAM, "127.0.0.1", host_port);
      facts.host_port_bound = true;
    } catch (const std::runtime_error&) {
    }
    facts.echo = echo_on_port_53();
    CHECK(in_own_net_namespace());
    return facts;
  });
  if (!r) {
    MESSAGE(r.error().why);
    return;
  }
  CHECK(host_ns.rfind("net:[", 0) == 0);
  CHECK(r->thread_ns.rfind("net:[", 0) == 0);
  CHECK(r->thread_ns != host_ns);
  CHECK(r->child_ns == r->thread_ns);  // spawned from that thread: inside
  CHECK(r->interfaces == std::vector<std::string>{"lo"});
  CHECK(r->host_port_bound);  // the host's port is not taken in there
  CHECK(r->echo == "ping");   // lo is up, and port 53 is ours
  // The caller's thread never moved.
  CHECK(current_net_namespace() == host_ns);
  CHECK(!in_own_net_namespace());
}

TEST_CASE("net namespace: a value comes back, a void function works, an exception is rethrown") {
  const auto value = run_in_net_namespace([] { return std::string("from inside"); });
  if (!value) {
    MESSAGE(value.error().why);
    return;
  }
  CHECK(*value == "from inside");
  int runs = 0;
  const auto nothing = run_in_net_namespace([&] { ++runs; });
  CHECK(nothing.ok());
  CHECK(runs == 1);
  CHECK_THROWS_WITH_AS(run_in_net_namespace([]() -> int { throw std::runtime_error("thrown inside"); }),
                       "thrown inside", std::runtime_error);
}

TEST_CASE("net namespace: without the right to make one, f does not run and the skip line says why") {
  bool ran = false;
  std::optional<in_namespace<std::monostate>> r;
  bool dropped = false;
  std::thread unprivileged([&] {
    dropped = drop_sys_admin_on_this_thread();
    if (dropped) r.emplace(run_in_net_namespace([&] { ran = true; }));  // its thread inherits the dropped set
  });
  unprivileged.join();
  REQUIRE(dropped);
  REQUIRE(r.has_value());
  CHECK(!ran);
  REQUIRE(!r->ok());
  CHECK(r->error().why.rfind(
            "skipped: cannot create a network namespace (unshare(CLONE_NEWNET): Operation not permitted; ", 0) == 0);
  CHECK(r->error().why.back() == ')');
}

TEST_CASE("dns hierarchy: refuses to start on the host's network") {
  CHECK(!in_own_net_namespace());
  CHECK_THROWS_WITH_AS(dns_hierarchy(),
                       "dns_hierarchy binds port 53 on 127.0.x.y: start it inside run_in_net_namespace(), not on the host",
                       std::logic_error);
}

TEST_CASE("dns hierarchy: five zones on their addresses, and root hints that name the root server") {
  const auto zones = h::zones();
  REQUIRE(zones.size() == 5);
  CHECK(zones[0].spec.origin == ".");
  CHECK(zones[0].address == "127.0.1.1");
  CHECK(zones[4].spec.origin == "glueless.test.");
  CHECK(zones[4].address == "127.0.5.1");
  for (const auto& z : zones) CHECK(zone_text(z.spec).find("ns1 IN A " + z.address + "\n") != std::string::npos);

  const auto hints = dns::parse_root_hints(h::root_hints_text());
  REQUIRE_MESSAGE(hints.ok(), (hints.ok() ? "" : hints.error().describe()));
  REQUIRE(hints->size() == 1);
  CHECK((*hints)[0].host == dn(h::root_server_name));
  REQUIRE((*hints)[0].addresses.size() == 1);
  CHECK((*hints)[0].addresses[0].to_text() == h::root_address);
}

TEST_CASE("dns hierarchy: the root refers to test. and test. to its children, with glue where it has it") {
  with_tree([](dns_hierarchy& tree) {
    // The hints file on disk is the one a resolver would be given.
    const auto hints = dns::read_root_hints(tree.root_hints_path());
    REQUIRE(hints.ok());
    const std::string root = (*hints)[0].addresses[0].to_text();
    CHECK(root == h::root_address);
    CHECK(tree.server(".").address() == h::root_address);
    CHECK(tree.server("glueless.test.").port() == 53);

    const auto root_ns = ask_server(root, ".", rr_type::ns);
    CHECK(root_ns.msg.header.aa);
    REQUIRE(root_ns.msg.answers.size() == 1);
    CHECK(root_ns.msg.answers[0].target_name() == dn(h::root_server_name));

    const referral to_tld = referral_in(ask_server(root, "www.example.test."));
    CHECK(to_tld.zone == dn("test."));
    CHECK(to_tld.server == dn(h::tld_server_name));
    CHECK(to_tld.glue == std::vector<std::string>{h::tld_address});

    const referral to_example = referral_in(ask_server(h::tld_address, "www.example.test."));
    CHECK(to_example.zone == dn("example.test."));
    CHECK(to_example.server == dn(h::example_server_name));
    CHECK(to_example.glue == std::vector<std::string>{h::example_address});

    const referral to_elsewhere = referral_in(ask_server(h::tld_address, "ns.elsewhere.test."));
    CHECK(to_elsewhere.zone == dn("elsewhere.test."));
    CHECK(to_elsewhere.server == dn(h::elsewhere_server_name));
    CHECK(to_elsewhere.glue == std::vector<std::string>{h::elsewhere_address});

    const dns_reply glueless = ask_server(h::tld_address, "www.glueless.test.");
    const referral to_glueless = referral_in(glueless);
    CHECK(to_glueless.zone == dn("glueless.test."));
    CHECK(to_glueless.server == dn(h::glueless_server_name));
    CHECK(glueless.msg.additionals.empty());  // no address at all: the resolver must find one
  });
}

TEST_CASE("dns hierarchy: each zone answers its own names, the chains, NXDOMAIN and NODATA") {
  with_tree([](dns_hierarchy&) {
    const auto www = ask_server(h::example_address, "www.example.test.");
    CHECK(www.msg.header.aa);
    CHECK(!www.msg.header.rd);
    REQUIRE(www.msg.answers.size() == 1);
    CHECK(www.msg.answers[0].a_address() == h::example_www);
    CHECK(www.msg.answers[0].ttl == h::default_ttl);

    const auto chain = ask_server(h::example_address, h::example_chain);
    REQUIRE(chain.msg.answers.size() == h::example_chain_cnames + 1);
    CHECK(chain.msg.answers[0].target_name() == dn("chain1.example.test."));
    CHECK(chain.msg.answers.back().a_address() == h::example_www);

    // nsd does not follow a CNAME out of its zone: the rest is the resolver's.
    const auto cross = ask_server(h::example_address, h::cross_chain);
    CHECK(cross.msg.header.aa);
    REQUIRE(cross.msg.answers.size() == 1);
    CHECK(cross.msg.answers[0].type == rr_type::cname);
    CHECK(cross.msg.answers[0].target_name() == dn(h::cross_target));

    const auto nx = ask_server(h::example_address, h::nxdomain_name);
    CHECK(nx.msg.full_rcode() == dns::rcode::nxdomain);
    REQUIRE(nx.msg.authorities.size() == 1);
    REQUIRE(nx.msg.authorities[0].soa());
    CHECK(nx.msg.authorities[0].soa()->minimum == h::soa_minimum);

    const auto nodata = ask_server(h::example_address, h::nodata_name, h::nodata_type);
    CHECK(nodata.msg.full_rcode() == dns::rcode::noerror);
    CHECK(nodata.msg.answers.empty());
    REQUIRE(nodata.msg.authorities.size() == 1);
    CHECK(nodata.msg.authorities[0].type == rr_type::soa);

    const auto big = ask_server(h::example_address, "big.example.test.", rr_type::txt);
    CHECK(big.msg.header.tc);  // a resolver must retry over TCP
    const auto big_tcp = ask_server(h::example_address, "big.example.test.", rr_type::txt, transport::tcp);
    CHECK(!big_tcp.msg.header.tc);
    CHECK(big_tcp.msg.answers.size() == 1);

    const auto ns = ask_server(h::elsewhere_address, h::glueless_server_name);
    CHECK(ns.msg.header.aa);
    REQUIRE(ns.msg.answers.size() == 1);
    CHECK(ns.msg.answers[0].a_address() == h::glueless_server_a);
    const auto elsewhere_www = ask_server(h::elsewhere_address, "www.elsewhere.test.");
    REQUIRE(elsewhere_www.msg.answers.size() == 1);
    CHECK(elsewhere_www.msg.answers[0].a_address() == h::elsewhere_www);

    const auto alias = ask_server(h::glueless_address, h::cross_target);
    CHECK(alias.msg.header.aa);
    REQUIRE(alias.msg.answers.size() == 2);
    CHECK(alias.msg.answers[1].owner == dn("www.glueless.test."));
    CHECK(alias.msg.answers[1].a_address() == h::glueless_www);

    // Each server answers only for its zone: the root's www. is not example.test.'s.
    const auto root_www = ask_server(h::root_address, "www.");
    REQUIRE(root_www.msg.answers.size() == 1);
    CHECK(root_www.msg.answers[0].a_address() != h::example_www);
  });
}

TEST_CASE("dns hierarchy: a walk from the root resolves the glueless name server first, and follows the CNAME across") {
  with_tree([](dns_hierarchy&) {
    std::vector<std::string> trace;
    int budget = 20;
    const dns::message www = walk(dn("www.glueless.test."), rr_type::a, trace, budget);
    REQUIRE(www.answers.size() == 1);
    CHECK(www.answers[0].a_address() == h::glueless_www);
    CHECK(trace == std::vector<std::string>{
                       "127.0.1.1 www.glueless.test.",
                       "127.0.2.1 www.glueless.test.",  // glueless referral: find ns.elsewhere.test. first
                       "127.0.1.1 ns.elsewhere.test.",
                       "127.0.2.1 ns.elsewhere.test.",
                       "127.0.4.1 ns.elsewhere.test.",
                       "127.0.5.1 www.glueless.test.",
                   });

    trace.clear();
    budget = 20;
    const dns::message cross = walk(dn(h::cross_chain), rr_type::a, trace, budget);
    REQUIRE(cross.answers.size() == 1);
    REQUIRE(cross.answers[0].target_name() == dn(h::cross_target));
    const dns::message target = walk(dn(h::cross_target), rr_type::a, trace, budget);
    REQUIRE(!target.answers.empty());
    CHECK(target.answers.back().a_address() == h::glueless_www);
    CHECK(trace.size() == 3 + 6);  // example.test. in 3 queries, then the glueless walk
    CHECK(trace[2] == "127.0.3.1 cross.example.test.");
  });
}
