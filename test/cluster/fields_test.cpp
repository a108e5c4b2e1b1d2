// The rules for addresses, cluster names, reasons and identities.
#include <doctest/doctest.h>

#include <string>

#include "fields.hpp"

using namespace agora;
using namespace agora::cluster;

namespace {

std::string problem(const std::optional<std::string>& p) { return p ? *p : "valid"; }

}  // namespace

TEST_CASE("fields: addresses are host:port") {
  for (const char* ok : {"127.0.0.1:7000", "localhost:1", "node-3.example.org:65535", "a_b:80",
                         "[::1]:7000", "[fe80::1%eth0]:7000", "[::ffff:10.0.0.1]:9"})
    CHECK_MESSAGE(problem(address_problem(ok)) == "valid", ok);

  CHECK(problem(address_problem("")) == "is not \"host:port\" (no ':')");
  CHECK(problem(address_problem("host")) == "is not \"host:port\" (no ':')");
  CHECK(problem(address_problem(":7000")) == "has an empty host");
  CHECK(problem(address_problem("host:")) == "has an empty port");
  for (const char* bad_port : {"host:0", "host:65536", "host:07000", "host:+80", "host:8o",
                               "host:123456"})
    CHECK_MESSAGE(problem(address_problem(bad_port)) ==
                      "has a port that is not a number from 1 to 65535",
                  bad_port);
  CHECK(problem(address_problem("::1:7000")) ==
        "has an IPv6 host without brackets (write \"[::1]:7000\")");
  CHECK(problem(address_problem("ho st:1")) ==
        "has a character other than letters, digits, '.', '-' and '_' in its host");
  CHECK(problem(address_problem("h\nost:1")) ==
        "has a character other than letters, digits, '.', '-' and '_' in its host");
  CHECK(problem(address_problem("[::1:7000")) == "has an unclosed '[' in its host");
  CHECK(problem(address_problem("[1.2.3.4]:7")) == "has no ':' in its bracketed IPv6 host");
  CHECK(problem(address_problem("[::g]:7")) ==
        "has a character other than hex digits, ':' and '.' in its IPv6 host");
  CHECK(problem(address_problem("[::1%]:7")) == "has an empty zone after '%' in its IPv6 host");
  CHECK(problem(address_problem(std::string(251, 'a') + ":7000")) ==
        "is 256 bytes long (at most 255)");
  CHECK(problem(address_problem(std::string(250, 'a') + ":7000")) == "valid");
}

TEST_CASE("fields: cluster names") {
  CHECK(problem(cluster_name_problem("prod-eu.1_a")) == "valid");
  CHECK(problem(cluster_name_problem(std::string(64, 'c'))) == "valid");
  CHECK(problem(cluster_name_problem("")) == "is empty");
  CHECK(problem(cluster_name_problem(std::string(65, 'c'))) == "is 65 bytes long (at most 64)");
  CHECK(problem(cluster_name_problem("a b")) ==
        "has a character other than letters, digits, '.', '-' and '_'");
}

TEST_CASE("fields: reasons are concrete symbols or records of bounded size") {
  CHECK(problem(reason_problem(sym("shutdown"))) == "valid");
  CHECK(problem(reason_problem(rec("node_lost", 3))) == "valid");
  CHECK(problem(reason_problem(rec("crashed", "boom", rec("vm", seq(1, 2))))) == "valid");
  CHECK(problem(reason_problem("text")) == "is not a symbol or a record");
  CHECK(problem(reason_problem(sym(""))) == "has an empty name");
  CHECK(problem(reason_problem(rec("p", _))) == "holds a wildcard or a capture");
  CHECK(problem(reason_problem(rec("crashed", std::string(300, 'x')))) ==
        "takes 312 bytes encoded (at most 256)");
}

TEST_CASE("fields: identities") {
  CHECK(problem(identity_problem({1, 1, node_role::member, "h:1"})) == "valid");
  CHECK(problem(identity_problem({1, 1, node_role::client, ""})) == "valid");
  CHECK(problem(identity_problem({0, 1, node_role::member, "h:1"})) == "node id 0 is not >= 1");
  CHECK(problem(identity_problem({1, 0, node_role::member, "h:1"})) ==
        "incarnation 0 is not >= 1");
  CHECK(problem(identity_problem({1, 1, node_role::client, "h:1"})) ==
        "a client has no listening address (it must be \"\")");
  CHECK(problem(identity_problem({1, 1, node_role::member, ""})) ==
        "address is not \"host:port\" (no ':')");
}

TEST_CASE("fields: brief cuts long terms at a character boundary") {
  CHECK(brief(rec("a", 1)) == "a(1)");
  const std::string cut = brief(term(std::string(100, 'x')));
  CHECK(cut.size() < 100);
  CHECK(cut.find("... (102 characters)") != std::string::npos);
  std::string accents;
  for (int i = 0; i < 50; ++i) accents += "\xc3\xa9";  // é: a cut at byte 64 falls inside one
  CHECK_NOTHROW(term::string(brief(term(accents))));  // valid UTF-8
}
