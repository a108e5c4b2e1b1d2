// agora-node's telemetry parts: /proc parsing, HOST:PORT, the log relay's
// rate bound, metrics as Prometheus text and as a term, the alerts, the
// status fields, and the [telemetry] configuration with its mistakes.
#include <doctest/doctest.h>

#include <regex>

#include "alert_watch.hpp"
#include "log_relay.hpp"
#include "metric_set.hpp"
#include "node_config_file.hpp"
#include "process_stats.hpp"
#include "scratch_dir.hpp"
#include "telemetry_board.hpp"
#include "telemetry_topics.hpp"

using namespace agora;
using namespace agora::node_app;
using namespace std::chrono_literals;

namespace {

node_sample sample_with_link(std::int64_t rtt_us) {
  node_sample s;
  s.id = 1;
  s.incarnation = 5;
  s.uptime = 1500ms;
  s.process = {4096 * 10, 0.25};
  s.vms = 1;
  s.cluster.node = 1;
  s.cluster.members = {{1, "a:1", "up", 5, "", {}}, {2, "a:2", "up", 6, "", {}}};
  s.cluster.links = {{2, 6, "a:2", true, rtt_us, {1, 2, 3, 4, 5, 6}, 0}, {3, 7, "a:3", false, -1, {}, 0}};
  return s;
}

}  // namespace

TEST_CASE("telemetry: /proc parsers take what the kernel writes and refuse the rest") {
  CHECK(rss_from_statm("1000 250 100 1 0 300 0", 4096) == 250u * 4096);
  CHECK(!rss_from_statm("", 4096));
  CHECK(!rss_from_statm("1000 x", 4096));
  CHECK(load1_from_loadavg("0.52 0.58 0.59 1/467 12345") == doctest::Approx(0.52));
  CHECK(!load1_from_loadavg("nope 1 2"));
  CHECK(!load1_from_loadavg(""));
  const auto live = read_process_stats();
  CHECK(live.rss_bytes.value_or(0) > 0);
}

TEST_CASE("telemetry: HOST:PORT") {
  CHECK(parse_host_port("127.0.0.1:0")->port == 0);
  CHECK(parse_host_port("[::1]:9100")->host == "::1");
  for (const char* bad : {"localhost", ":80", "a:", "a:65536", "::1:80", "a:-1", "a b:1", "[::1:80"})
    CHECK_MESSAGE(!parse_host_port(bad), bad);
}

TEST_CASE("telemetry: the log relay keeps lines at or above its level, within its rate, and counts the rest") {
  log_relay relay(log_level::warn, 5);
  const auto t0 = log_relay::clock::now();
  relay.offer(log_level::info, "quiet", t0);
  for (int i = 0; i < 10; ++i) relay.offer(log_level::warn, "line " + std::to_string(i), t0);
  auto lines = relay.take();
  CHECK(lines.size() == 5);
  CHECK(relay.dropped() == 5);
  CHECK(relay.take().empty());
  relay.offer(log_level::error, "later", t0 + 1s);  // the budget refills
  lines = relay.take();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "later");
}

TEST_CASE("telemetry: metrics as Prometheus text: HELP and TYPE once per name, valid names, labels per peer") {
  const auto text = to_prometheus(metrics_of(sample_with_link(1200)));
  CHECK(text.find("# TYPE agora_link_messages_out_total counter\nagora_link_messages_out_total{peer=\"2\"} 3\n"
                  "agora_link_messages_out_total{peer=\"3\"} 0\n") != std::string::npos);
  CHECK(text.find("agora_link_rtt_seconds{peer=\"2\"} 0.0012\n") != std::string::npos);
  CHECK(text.find("agora_link_rtt_seconds{peer=\"3\"}") == std::string::npos);  // no round trip yet
  CHECK(text.find("agora_members{state=\"up\"} 2\n") != std::string::npos);
  const std::regex line(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)|)"
                        R"([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? \S+)");
  std::set<std::string> typed;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto eol = text.find('\n', at);
    const auto l = text.substr(at, eol - at);
    CHECK_MESSAGE(std::regex_match(l, line), l);
    if (l.starts_with("# TYPE ")) CHECK_MESSAGE(typed.insert(l.substr(7, l.find(' ', 7) - 7)).second, l);
    at = eol + 1;
  }
  const term t = telemetry::metrics_message(sample_with_link(1200));
  CHECK(t.is_record("metrics", 2));
  CHECK(t[1][0].is_record("metric", 4));
}

TEST_CASE("telemetry: status fields; the board completes a status answer") {
  auto s = sample_with_link(100);
  const term fields = telemetry::status_fields(s);
  CHECK(fields.to_string().find("role(member)") != std::string::npos);
  CHECK(fields.to_string().find("rss_bytes(40960)") != std::string::npos);
  s.cluster.leader = cluster::leader_status{1, 4};
  CHECK(telemetry::status_fields(s).to_string().find("role(leader)") != std::string::npos);

  telemetry_board board;
  board.set_status(2, fields);
  board.set_leader(cluster::leader_status{2, 9});
  auto status = sample_with_link(100).cluster;
  board.complete(status);
  CHECK(status.leader == cluster::leader_status{2, 9});
  CHECK(!status.members[0].telemetry);
  CHECK(status.members[1].telemetry == fields);
  CHECK(board.leader_changes() == 1);
  board.forget(2);
  board.set_leader(std::nullopt);
  auto again = sample_with_link(100).cluster;
  board.complete(again);
  CHECK(!again.leader);
  CHECK(!again.members[1].telemetry);
}

TEST_CASE("telemetry: alerts are told once when their condition begins") {
  telemetry_settings settings;
  settings.rtt_alert = 1ms;
  settings.rss_alert_bytes = 1000;
  settings.election_alert = 100ms;
  alert_watch watch(settings);
  const auto t0 = std::chrono::steady_clock::now();
  auto first = watch.check(sample_with_link(5000), t0);
  REQUIRE(first.size() == 2);  // the slow link and the memory
  CHECK(first[0].text == "link to node 2 slow: round trip 5 ms, above 1 ms");
  CHECK(watch.check(sample_with_link(5000), t0).empty());
  auto lost = sample_with_link(5000);
  lost.cluster.members[1].state = "lost";
  lost.cluster.members[1].reason = "node_lost(2)";
  const auto told = watch.check(lost, t0);
  REQUIRE(told.size() == 1);
  CHECK(told[0].text == "node 2 lost: node_lost(2)");

  auto led = sample_with_link(5000);
  led.cluster.leader = cluster::leader_status{2, 1};
  CHECK(watch.check(led, t0).empty());
  CHECK(watch.check(sample_with_link(5000), t0 + 1s).empty());  // leaderless from here
  CHECK(watch.check(sample_with_link(5000), t0 + 1s + 200ms).at(0).text == "no leader for 200 ms");
  led.cluster.leader = cluster::leader_status{1, 2};
  CHECK(watch.check(led, t0 + 1s + 300ms).at(0).text == "election took 300 ms: node 1 leads in epoch 2");
}

TEST_CASE("telemetry: log and alert text is made valid UTF-8") {
  CHECK(telemetry::valid_utf8("ok \xc3\xa9") == "ok \xc3\xa9");
  CHECK(telemetry::valid_utf8("bad \xff\xc3") == "bad ??");
  CHECK(telemetry::valid_utf8(std::string("nul\0x", 5)) == "nul?x");
  CHECK(telemetry::log_message(1, log_level::warn, "\xed\xa0\x80").is_record("log", 3));
}

TEST_CASE("telemetry: the [telemetry] table, and its mistakes with file, line and key") {
  agora_test::scratch_dir dir;
  dir.write("secret", agora_test::good_secret_hex());
  const std::string head = "id = 1\nlisten = \"127.0.0.1:0\"\nsecret_file = \"secret\"\n";
  const auto source = (dir.path() / "node.toml").string();
  const auto s = parse_node_settings(head + "[telemetry]\nstatus_interval_ms = 250\nmetrics_interval_ms = 2000\n"
                                            "rtt_alert_ms = 50\nrss_alert_bytes = 0\nelection_alert_ms = 900\n"
                                            "log_level = \"info\"\nlog_lines_per_second = 7\nhttp = \"127.0.0.1:9100\"\n",
                                     source, {});
  CHECK(s.telemetry.status_interval == 250ms);
  CHECK(s.telemetry.metrics_interval == 2000ms);
  CHECK(s.telemetry.rtt_alert == 50ms);
  CHECK(s.telemetry.rss_alert_bytes == 0);
  CHECK(s.telemetry.election_alert == 900ms);
  CHECK(s.telemetry.log_threshold == log_level::info);
  CHECK(s.telemetry.log_lines_per_second == 7);
  CHECK(s.telemetry.http == "127.0.0.1:9100");

  try {
    parse_node_settings(head + "[telemetry]\nstatus_interval_ms = 0\nhttp = \"nowhere\"\nlog_level = \"loud\"\nmetric_interval_ms = 5\n",
                        source, {});
    FAIL("accepted");
  } catch (const config_error& e) {
    REQUIRE(e.problems().size() == 4);
    CHECK(e.problems()[0] == source + ":5: key 'status_interval_ms' in [telemetry]: 0 is out of range: 1 to 86400000");
    CHECK(e.problems()[1] == source + ":6: key 'http' in [telemetry]: \"nowhere\" is not HOST:PORT");
    CHECK(e.problems()[2] == source + ":7: key 'log_level' in [telemetry]: \"loud\" is not one of debug, info, warn, error");
    CHECK(e.problems()[3].starts_with(source + ":8: unknown key 'metric_interval_ms' in [telemetry]; did you mean 'metrics_interval_ms'?"));
  }

  node_overrides flags;
  flags.http = "x";
  flags.status_interval_ms = 0;
  try {
    parse_node_settings(head, source, flags);
    FAIL("accepted");
  } catch (const config_error& e) {
    REQUIRE(e.problems().size() == 2);
    CHECK(e.problems()[0] == "--http: \"x\" is not HOST:PORT");
    CHECK(e.problems()[1] == "--status-interval-ms: 0 is out of range: 1 to 86400000");
  }
}
