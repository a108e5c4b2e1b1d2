// agora-node's telemetry as processes: status(...) messages reach the other
// node (its status answer tells of both members, with the leader field),
// metrics(...) cross no link where nobody subscribes (link counters), the
// HTTP port's /metrics passes `promtool check metrics` (skipped, saying so,
// without promtool), and bad HTTP requests leave the node serving.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "process_util.hpp"
#include "test_cluster.hpp"

using namespace agora_test;

namespace {

nlohmann::ordered_json status_json(test_cluster& c, std::uint64_t id) {
  const auto r = run_program(AGORA_NODE_BIN, {"status", "--connect", c.node(id).address(), "--secret-file", c.secret(),
                                              "--json", "--timeout", "10"},
                             20s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::ordered_json::parse(r.out);
}

/// The HTTP address a node printed ("serving HTTP on HOST:PORT").
std::uint16_t http_port(const node_process& n) {
  const auto line = n.wait_for("serving HTTP on ", 10s);
  REQUIRE(line);
  const auto at = line->text.find("serving HTTP on ") + 16;
  const auto addr = line->text.substr(at, line->text.find(' ', at) - at);
  return static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
}

/// Sends `request` as it is and returns all that comes back until the
/// server closes (or 5 s pass).
std::string http_exchange(std::uint16_t port, const std::string& request) {
  client c(port);
  c.send(request);
  return c.read_exact(std::size_t{1} << 22, 5s);
}

std::string get(std::uint16_t port, const std::string& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

std::string body_of(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

bool has_promtool() { return run_program("/bin/sh", {"-c", "command -v promtool"}).exit_code == 0; }

}  // namespace

TEST_CASE("telemetry: status messages reach the other node, and status --json adds leader and status, keeping the old fields") {
  test_cluster c;
  INFO(c.logs());
  const std::vector<std::string> fast{"--status-interval-ms", "100"};
  auto& one = c.start(1, {}, fast);
  c.start(2, {one.address()}, fast);
  REQUIRE(c.wait_mesh({1, 2}));

  nlohmann::ordered_json j;
  for (int i = 0; i < 100; ++i) {  // until node 1 has node 2's status, with the leader in it
    j = status_json(c, 1);
    if (j["members"].size() == 2 && !j["members"][1]["status"].is_null() && !j["leader"].is_null() &&
        j["members"][1]["status"].value("leader", 0) == 2 && j["members"][0]["status"].value("leader", 0) == 2)
      break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(j.at("node") == 1);
  CHECK(j.contains("incarnation"));
  CHECK(j.contains("links"));
  REQUIRE(j.contains("leader"));
  REQUIRE(j["leader"].is_object());  // the two elected node 2, the higher id
  CHECK(j["leader"]["id"] == 2);
  CHECK(j["leader"]["epoch"].get<std::uint64_t>() > 0);
  REQUIRE(j.at("members").size() == 2);
  for (const auto& m : j["members"]) {
    for (const char* key : {"id", "address", "state", "incarnation", "reason", "status"}) CHECK_MESSAGE(m.contains(key), key);
    REQUIRE(m["status"].is_object());
    const auto& s = m["status"];
    CHECK(s.at("incarnation") == m.at("incarnation"));
    CHECK(s.at("role") == (m.at("id") == 2 ? "leader" : "follower"));
    CHECK(s.at("links") == 1);
    CHECK(s.at("actors").get<int>() > 0);
    CHECK(s.at("rss_bytes").get<std::int64_t>() > 0);
    CHECK(s.contains("load"));
    CHECK(s.at("leader") == 2);
  }
  // The fields of the cluster issue, in their order, first.
  const auto first_member = j["members"][0];
  std::vector<std::string> keys;
  for (const auto& [k, v] : first_member.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"id", "address", "state", "incarnation", "reason", "status"});

  const auto text = run_program(AGORA_NODE_BIN, {"status", "--connect", one.address(), "--secret-file", c.secret()});
  CHECK(text.out.find("leader: node 2 (epoch ") != std::string::npos);
  CHECK(text.out.find("uptime_s") != std::string::npos);
}

TEST_CASE("telemetry: metrics messages cross no link where nobody subscribes") {
  test_cluster c;
  INFO(c.logs());
  // Metrics every 50 ms, status only once an hour: nothing on these two
  // nodes subscribes to metrics(_, _), so no message may cross. (Neither
  // stands for leader: no election, whose messages would cross.)
  const std::vector<std::string> args{"--metrics-interval-ms", "50", "--status-interval-ms", "3600000",
                                      "--no-candidate"};
  auto& one = c.start(1, {}, args);
  c.start(2, {one.address()}, args);
  REQUIRE(c.wait_mesh({1, 2}));
  std::this_thread::sleep_for(1500ms);  // some 30 metrics each
  const auto a = c.status(1), b = c.status(2);
  CHECK(a.links.at(2).messages_out == 0);
  CHECK(a.links.at(2).messages_in == 0);
  CHECK(b.links.at(1).messages_out == 0);
  CHECK(a.links.at(2).frames_out > 0);  // the link is alive all the same
}

TEST_CASE("telemetry: /metrics passes promtool, /status is the status JSON, and bad requests leave the node serving") {
  test_cluster c;
  INFO(c.logs());
  auto& one = c.start(1, {}, {"--http", "127.0.0.1:0"});
  c.start(2, {one.address()});
  REQUIRE(c.wait_mesh({1, 2}));
  const auto port = http_port(one);

  const auto metrics = get(port, "/metrics");
  CHECK(metrics.starts_with("HTTP/1.1 200"));
  const auto exposition = body_of(metrics);
  CHECK(exposition.find("# TYPE agora_link_messages_out_total counter") != std::string::npos);
  CHECK(exposition.find("agora_link_messages_out_total{peer=\"2\"}") != std::string::npos);
  if (has_promtool()) {
    const auto file = c.write("metrics.txt", exposition);
    const auto verdict = run_program("/bin/sh", {"-c", "promtool check metrics < " + file});
    CHECK_MESSAGE(verdict.exit_code == 0, (verdict.out + verdict.err + "\n" + exposition));
  } else {
    MESSAGE("promtool not found: `promtool check metrics` skipped (scripts/bootstrap.sh --test installs prometheus)");
  }

  const auto status = get(port, "/status");
  CHECK(status.starts_with("HTTP/1.1 200"));
  const auto j = nlohmann::json::parse(body_of(status));
  CHECK(j.at("node") == 1);
  CHECK(j.contains("leader"));
  CHECK(j.at("members").size() == 2);

  CHECK(get(port, "/nowhere").starts_with("HTTP/1.1 404"));
  CHECK(http_exchange(port, "garbage\r\n\r\n").find("HTTP/1.1 400") == 0);
  CHECK(get(port, "/" + std::string(20000, 'a')).starts_with("HTTP/1.1 414"));
  // Headers only: the body it announces is never read (nor sent, so that
  // the close cannot reset the answer away).
  const auto big_body =
      http_exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n");
  CHECK(big_body.starts_with("HTTP/1.1 405"));  // at once, without reading the body
  http_exchange(port, std::string(100000, '\n'));           // no request line at all
  http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x");  // cut off mid-header: the read times out
  { client gone(port); gone.send("GET /metrics HTTP/1.1\r\n"); }  // closed mid-request

  const auto again = get(port, "/metrics");
  CHECK(again.starts_with("HTTP/1.1 200"));
  CHECK(c.status(1).members.size() == 2);  // and the cluster port serves on
}

TEST_CASE("telemetry: an --http address that is not HOST:PORT is refused with exit status 2") {
  test_cluster c;
  const auto r = run_program(AGORA_NODE_BIN, {"--id", "1", "--listen", "127.0.0.1:0", "--secret-file", c.secret(),
                                              "--http", "localhost"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agora-node: --http: \"localhost\" is not HOST:PORT\n");
}
