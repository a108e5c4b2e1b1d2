// agora-node's configuration loader (apps/node/node_config_file.hpp): the
// TOML layout, the command-line overrides, and a message naming the file,
// the line and the key for every kind of mistake.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "node_config_file.hpp"
#include "scratch_dir.hpp"

using namespace agora::node_app;
using namespace std::chrono_literals;
using agora_test::good_secret_hex;
using agora_test::scratch_dir;

namespace {

/// A scratch directory with a good secret file "secret" and the node.toml
/// of each test.
struct node_toml {
  scratch_dir dir;
  std::string secret = dir.write("secret", good_secret_hex());
  std::string file = (dir.path() / "node.toml").string();

  /// The top-level keys without which a node does not start.
  static constexpr const char* required = "id = 1\nlisten = \"127.0.0.1:7101\"\nsecret_file = \"secret\"\n";

  node_settings load(const std::string& text, const node_overrides& o = {}) {
    dir.write("node.toml", text);
    return load_node_settings(file, o);
  }

  /// The problems loading `text` reports (none: it loads).
  std::vector<std::string> problems(const std::string& text, const node_overrides& o = {}) {
    try {
      load(text, o);
    } catch (const config_error& e) {
      return e.problems();
    }
    return {};
  }

  /// The one problem loading `text` reports; otherwise how many there are
  /// and what they are (for the failed check to show).
  std::string problem(const std::string& text, const node_overrides& o = {}) {
    auto all = problems(text, o);
    if (all.size() == 1) return all[0];
    std::string told = std::to_string(all.size()) + " problems:";
    for (const auto& p : all) told += "\n  " + p;
    return told;
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// ---- what loads -------------------------------------------------------------

TEST_CASE("node config: with no file, the flags and the defaults make the configuration") {
  scratch_dir dir;
  const auto secret = dir.write("s", good_secret_hex());
  node_overrides o;
  o.id = 7;
  o.listen = "127.0.0.1:7101";
  o.secret_file = secret;
  const auto s = load_node_settings(std::nullopt, o);
  const agora::cluster::node_config defaults;
  CHECK(s.config.id == 7);
  CHECK(s.config.listen == "127.0.0.1:7101");
  CHECK(s.config.advertise.empty());
  CHECK(s.config.secret.size() == 32);
  CHECK(s.secret_file == secret);
  CHECK(s.level == log_level::info);
  CHECK(s.config.cluster == "agora");
  CHECK(s.config.role == agora::cluster::node_role::member);
  CHECK(s.config.seeds.empty());
  CHECK(s.config.heartbeat == defaults.heartbeat);
  CHECK(s.config.deadline == defaults.deadline);
  CHECK(s.config.handshake_timeout == defaults.handshake_timeout);
  CHECK(s.config.reconnect_min == defaults.reconnect_min);
  CHECK(s.config.reconnect_max == defaults.reconnect_max);
  CHECK(s.config.max_frame == defaults.max_frame);
  CHECK(s.config.send_queue_high == defaults.send_queue_high);
  CHECK(s.config.send_queue_max == defaults.send_queue_max);
  CHECK(s.config.too_slow_after == defaults.too_slow_after);
  CHECK(s.config.allow.empty());
  CHECK_FALSE(s.config.tls.enabled);
  CHECK(s.config.failed_handshakes_per_minute == defaults.failed_handshakes_per_minute);
}

TEST_CASE("node config: every key of the layout reaches its field") {
  node_toml t;
  const auto s = t.load(R"(
cluster = "prod"
id = 12
listen = "10.0.0.1:7000"
advertise = "gateway.example:17000"
seeds = ["10.0.0.2:7000", "node-3.example:7000"]
secret_file = "secret"
allow = ["10.0.0.2", "::1"]
log_level = "debug"

[timing]
heartbeat_ms = 50
deadline_ms = 400
handshake_timeout_ms = 900
reconnect_min_ms = 20
reconnect_max_ms = 3000

[limits]
max_frame = 65536
send_queue_high = 1000
send_queue_max = 2000
too_slow_after_ms = 1500
failed_handshakes_per_minute = 3

[tls]
enabled = true
certificate = "tls/node.crt"
private_key = "/etc/agora/node.key"
ca = "ca.crt"
)");
  const auto& c = s.config;
  CHECK(c.cluster == "prod");
  CHECK(c.id == 12);
  CHECK(c.listen == "10.0.0.1:7000");
  CHECK(c.advertise == "gateway.example:17000");
  CHECK(c.seeds == std::vector<std::string>{"10.0.0.2:7000", "node-3.example:7000"});
  CHECK(s.secret_file == t.secret);  // relative to the file's directory
  CHECK(c.allow == std::vector<std::string>{"10.0.0.2", "::1"});
  CHECK(s.level == log_level::debug);
  CHECK(c.heartbeat == 50ms);
  CHECK(c.deadline == 400ms);
  CHECK(c.handshake_timeout == 900ms);
  CHECK(c.reconnect_min == 20ms);
  CHECK(c.reconnect_max == 3000ms);
  CHECK(c.max_frame == 65536);
  CHECK(c.send_queue_high == 1000);
  CHECK(c.send_queue_max == 2000);
  CHECK(c.too_slow_after == 1500ms);
  CHECK(c.failed_handshakes_per_minute == 3);
  CHECK(c.tls.enabled);
  CHECK(c.tls.certificate == (t.dir.path() / "tls/node.crt").string());
  CHECK(c.tls.private_key == "/etc/agora/node.key");
  CHECK(c.tls.ca == (t.dir.path() / "ca.crt").string());
}

TEST_CASE("node config: the complete example in docs/NODE.md loads") {
  std::ifstream doc(AGORA_SOURCE_DIR "/docs/NODE.md");
  REQUIRE(doc);
  std::stringstream all;
  all << doc.rdbuf();
  const std::string text = all.str();
  const auto begin = text.find("```toml\n");
  REQUIRE(begin != std::string::npos);
  const auto end = text.find("```", begin + 8);
  REQUIRE(end != std::string::npos);
  const std::string example = text.substr(begin + 8, end - begin - 8);

  scratch_dir dir;
  node_overrides o;
  o.secret_file = dir.write("secret", good_secret_hex());  // the example's is relative to docs/
  const auto s = parse_node_settings(example, AGORA_SOURCE_DIR "/docs/node.toml", o);
  CHECK(s.config.id == 1);
  CHECK(s.config.listen == "127.0.0.1:7101");
  CHECK(s.config.seeds.size() == 2);
}

TEST_CASE("node config: the command line overrides the file, and --seed replaces the file's seeds") {
  node_toml t;
  const std::string text = std::string(node_toml::required) + "seeds = [\"127.0.0.1:7102\"]\nlog_level = \"warn\"\n";
  const auto other_secret = t.dir.write("other", std::string(80, 'b'));
  node_overrides o;
  o.id = 9;
  o.listen = "0.0.0.0:0";
  o.seeds = {"127.0.0.1:7201", "127.0.0.1:7202"};
  o.secret_file = other_secret;
  o.level = log_level::error;
  const auto s = t.load(text, o);
  CHECK(s.config.id == 9);
  CHECK(s.config.listen == "0.0.0.0:0");
  CHECK(s.config.seeds == o.seeds);
  CHECK(s.secret_file == other_secret);
  CHECK(s.config.secret.size() == 40);
  CHECK(s.level == log_level::error);

  const auto kept = t.load(text);
  CHECK(kept.config.id == 1);
  CHECK(kept.config.seeds == std::vector<std::string>{"127.0.0.1:7102"});
  CHECK(kept.level == log_level::warn);
}

TEST_CASE("node config: --advertise overrides the file's advertise, and a bad one is refused where it was given") {
  node_toml t;
  const std::string text = std::string(node_toml::required) + "advertise = \"127.0.0.1:17101\"\n";
  CHECK(t.load(text).config.advertise == "127.0.0.1:17101");
  node_overrides o;
  o.advertise = "[::1]:17102";
  CHECK(t.load(text, o).config.advertise == "[::1]:17102");

  CHECK(t.problem(std::string(node_toml::required) + "advertise = \"127.0.0.1:0\"\n") ==
        t.file + ":4: key 'advertise': advertise: \"127.0.0.1:0\": has a port that is not a number from 1 to 65535");
  o.advertise = "nowhere";
  CHECK(t.problem(node_toml::required, o) ==
        "--advertise: advertise: \"nowhere\": is not \"host:port\" (no ':')");
}

TEST_CASE("node config: an empty file or one with comments only leaves everything to flags and defaults") {
  node_toml t;
  node_overrides o;
  o.id = 1;
  o.listen = "127.0.0.1:0";
  o.secret_file = t.secret;
  CHECK(t.load("", o).config.id == 1);
  CHECK(t.load("# nothing here\n\n", o).config.heartbeat == 200ms);
}

// ---- what does not load, and what it says -----------------------------------

TEST_CASE("node config: a value of the wrong type names the file, the line and the key") {
  node_toml t;
  const std::string text = std::string(node_toml::required) + "\n[timing]\nheartbeat_ms = \"200\"\n";
  CHECK(t.problem(text) == t.file + ":6: key 'heartbeat_ms' in [timing]: expected an integer, got a string");
  CHECK(t.problem(std::string(node_toml::required) + "cluster = 5\n") ==
        t.file + ":4: key 'cluster': expected a string, got an integer");
  CHECK(t.problem(std::string(node_toml::required) + "[tls]\nenabled = \"yes\"\n") ==
        t.file + ":5: key 'enabled' in [tls]: expected a boolean, got a string");
  CHECK(t.problem(std::string(node_toml::required) + "seeds = \"127.0.0.1:1\"\n") ==
        t.file + ":4: key 'seeds': expected an array, got a string");
  CHECK(t.problem(std::string(node_toml::required) + "timing = 3\n") ==
        t.file + ":4: key 'timing': expected a table, got an integer");
  CHECK(t.problem(std::string(node_toml::required) + "[limits]\nmax_frame = 1.5e6\n") ==
        t.file + ":5: key 'max_frame' in [limits]: expected an integer, got a floating-point number");
}

TEST_CASE("node config: an item of the wrong type in an array names its line and position") {
  node_toml t;
  CHECK(t.problem(std::string(node_toml::required) + "seeds = [\n  \"127.0.0.1:7102\",\n  7103,\n]\n") ==
        t.file + ":6: key 'seeds': item 2: expected a string, got an integer");
  CHECK(t.problem(std::string(node_toml::required) + "allow = [\"10.0.0.1\", \"node-2\"]\n") ==
        t.file + ":4: key 'allow': item 2: \"node-2\" is not an IP address");
}

TEST_CASE("node config: an unknown key is refused, listing the keys that exist") {
  node_toml t;
  auto p = t.problem(std::string(node_toml::required) + "colour = \"blue\"\n");
  CHECK(contains(p, t.file + ":4: unknown key 'colour' at the top level"));
  CHECK(contains(p, "(the keys there: cluster, id, listen, advertise, seeds, secret_file, allow, log_level, timing, "
                    "limits, tls, election, telemetry, jobs)"));

  p = t.problem(std::string(node_toml::required) + "[timing]\nheartbeat = 100\n");
  CHECK(contains(p, t.file + ":5: unknown key 'heartbeat' in [timing]"));
  CHECK(contains(p, "did you mean 'heartbeat_ms'?"));
  CHECK(contains(p, "the keys there: heartbeat_ms, deadline_ms, handshake_timeout_ms, reconnect_min_ms, "
                    "reconnect_max_ms"));

  CHECK(contains(t.problem(std::string(node_toml::required) + "[timings]\nheartbeat_ms = 100\n"),
                 t.file + ":4: unknown key 'timings' at the top level; did you mean 'timing'?"));
  CHECK(contains(t.problem(std::string(node_toml::required) + "[timing.fast]\nheartbeat_ms = 100\n"),
                 t.file + ":4: unknown key 'fast' in [timing]"));
}

TEST_CASE("node config: a known key in the wrong table says where it belongs") {
  node_toml t;
  CHECK(t.problem(std::string(node_toml::required) + "heartbeat_ms = 100\n") ==
        t.file + ":4: unknown key 'heartbeat_ms' at the top level; it belongs in [timing]");
  CHECK(t.problem(std::string(node_toml::required) + "[tls]\nmax_frame = 100000\n") ==
        t.file + ":5: unknown key 'max_frame' in [tls]; it belongs in [limits]");
  // The usual slip: a top-level key written after a [table] header.
  CHECK(t.problem("id = 1\nsecret_file = \"secret\"\n[timing]\ndeadline_ms = 900\nlisten = \"127.0.0.1:1\"\n") ==
        t.file + ":5: unknown key 'listen' in [timing]; it belongs at the top level, before any [table]");
}

TEST_CASE("node config: a TOML syntax error gives its line and column") {
  node_toml t;
  const auto p = t.problem("id = 1\nlisten = \"127.0.0.1:7101\nsecret_file = \"secret\"\n");
  CHECK(contains(p, t.file + ":2:"));
  CHECK(contains(p, ": TOML syntax error: "));
  CHECK(contains(t.problem("id = 1\nid = 2\n"), t.file + ":2:"));  // a key given twice
  CHECK(contains(t.problem("id = 1\n[timing]\n[timing]\n"), t.file + ":3:"));
  CHECK(contains(t.problem(std::string("cluster = \"\xff\"\n")), ": TOML syntax error: "));  // not UTF-8
}

TEST_CASE("node config: a value out of range names the range") {
  node_toml t;
  const std::string base = node_toml::required;
  CHECK(t.problem(base + "[timing]\nheartbeat_ms = 0\n") ==
        t.file + ":5: key 'heartbeat_ms' in [timing]: 0 is out of range: 1 to 86400000");
  CHECK(t.problem("id = -3\nlisten = \"127.0.0.1:7101\"\nsecret_file = \"secret\"\n") ==
        t.file + ":1: key 'id': -3 is out of range: 1 to 9223372036854775807");
  CHECK(t.problem(base + "[limits]\nmax_frame = 1024\n") ==
        t.file + ":5: key 'max_frame' in [limits]: 1024 is out of range: 4096 to 1073741824");
  CHECK(t.problem(base + "[limits]\nsend_queue_max = -1\n") ==
        t.file + ":5: key 'send_queue_max' in [limits]: -1 is out of range: 1 to 1099511627776");
  CHECK(t.problem(base + "[limits]\nfailed_handshakes_per_minute = 0\n") ==
        t.file + ":5: key 'failed_handshakes_per_minute' in [limits]: 0 is out of range: 1 to 1000000");
  CHECK(t.problem(base + "log_level = \"verbose\"\n") ==
        t.file + ":4: key 'log_level': \"verbose\" is not one of debug, info, warn, error");
}

TEST_CASE("node config: validate()'s problems point at the key that made them") {
  node_toml t;
  const std::string base = node_toml::required;
  CHECK(t.problem(base + "[timing]\nheartbeat_ms = 500\ndeadline_ms = 400\n") ==
        t.file + ":6: key 'deadline_ms' in [timing]: deadline: 400 ms must exceed the heartbeat (500 ms)");
  // Only the heartbeat in the file: the problem is still the deadline's, shown at the heartbeat.
  CHECK(t.problem(base + "[timing]\nheartbeat_ms = 1500\n") ==
        t.file + ":5: key 'heartbeat_ms' in [timing]: deadline: 1000 ms must exceed the heartbeat (1500 ms)");
  CHECK(t.problem("id = 1\nlisten = \"nowhere\"\nsecret_file = \"secret\"\n") ==
        t.file + ":2: key 'listen': listen: \"nowhere\" is not HOST:PORT");
  CHECK(t.problem(base + "seeds = [\"127.0.0.1:1\", \"bad\"]\n") ==
        t.file + ":4: key 'seeds': seed: \"bad\" is not HOST:PORT");
  CHECK(t.problem(base + "[tls]\nenabled = true\ncertificate = \"c.pem\"\n") ==
        t.file + ":5: key 'enabled' in [tls]: tls: certificate, private_key and ca are all needed");
  CHECK(t.problem(base + "[limits]\nsend_queue_high = 5000\nsend_queue_max = 4000\n") ==
        t.file + ":5: key 'send_queue_high' in [limits]: send_queue: need 0 < send_queue_high <= send_queue_max");
  CHECK(t.problem(base + "cluster = \"\"\n") ==
        t.file + ":4: key 'cluster': cluster: the cluster name must not be empty");

  node_overrides o;
  o.listen = "no-port";
  CHECK(t.problem(base, o) == "--listen: listen: \"no-port\" is not HOST:PORT");
  o = {};
  o.id = 0;
  CHECK(t.problem(base, o) == "--id: id: must be 1 or more");
  o.id = std::uint64_t{1} << 63;
  CHECK(t.problem(base, o) == "--id: id: too large");
}

TEST_CASE("node config: a setting without default or value says how to give it") {
  node_toml t;
  CHECK(t.problem("listen = \"127.0.0.1:1\"\nsecret_file = \"secret\"\n") ==
        t.file + ": id is not set: set 'id' in " + t.file + " or pass --id");
  CHECK(t.problem("id = 1\nsecret_file = \"secret\"\n") ==
        t.file + ": listen is not set: set 'listen' in " + t.file + " or pass --listen");
  CHECK(t.problem("id = 1\nlisten = \"127.0.0.1:1\"\n") ==
        t.file + ": secret_file is not set: set 'secret_file' in " + t.file + " or pass --secret-file");
  try {
    load_node_settings(std::nullopt, {});
    FAIL("loaded without id, listen and secret");
  } catch (const config_error& e) {
    CHECK(e.problems() == std::vector<std::string>{
                              "id is not set: set 'id' in a configuration file or pass --id",
                              "listen is not set: set 'listen' in a configuration file or pass --listen",
                              "secret_file is not set: set 'secret_file' in a configuration file or pass --secret-file"});
  }
}

TEST_CASE("node config: every problem is reported at once, one line each") {
  node_toml t;
  const auto all = t.problems("id = \"one\"\nlisten = \"127.0.0.1:1\"\nsecret_file = \"secret\"\ncolour = 1\n"
                              "[timing]\nheartbeat_ms = -5\n");
  REQUIRE(all.size() == 3);
  CHECK(all[0] == t.file + ":1: key 'id': expected an integer, got a string");
  CHECK(contains(all[1], t.file + ":4: unknown key 'colour'"));
  CHECK(all[2] == t.file + ":6: key 'heartbeat_ms' in [timing]: -5 is out of range: 1 to 86400000");
  try {
    t.load("id = \"one\"\ncolour = 1\nlisten = \"127.0.0.1:1\"\nsecret_file = \"secret\"\n");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) == e.problems()[0] + "\n" + e.problems()[1]);
  }
}

TEST_CASE("node config: the secret file's problems name where it was set") {
  node_toml t;
  t.dir.write("open", good_secret_hex(), 0644);
  const auto p = t.problem("id = 1\nlisten = \"127.0.0.1:1\"\nsecret_file = \"open\"\n");
  CHECK(contains(p, t.file + ":3: key 'secret_file': cluster secret file " + (t.dir.path() / "open").string() + ": "));
  CHECK(contains(p, "chmod 600"));

  node_overrides o;
  o.secret_file = (t.dir.path() / "missing").string();
  CHECK(t.problem(node_toml::required, o) ==
        "--secret-file: cluster secret file " + *o.secret_file + ": cannot open it: No such file or directory");
  CHECK(t.problem("id = 1\nlisten = \"127.0.0.1:1\"\nsecret_file = \"\"\n") ==
        t.file + ":3: key 'secret_file': cluster secret file: no path given");
}

TEST_CASE("node config: a configuration file that cannot be read says why") {
  scratch_dir dir;
  const auto missing = (dir.path() / "none.toml").string();
  try {
    load_node_settings(missing, {});
    FAIL("loaded a missing file");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) == missing + ": cannot read: No such file or directory");
  }
  try {
    load_node_settings(dir.path().string(), {});
    FAIL("loaded a directory");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) == dir.path().string() + ": not a regular file");
  }
  const auto huge = dir.write("huge.toml", std::string(max_config_file_bytes + 1, '#'));
  try {
    load_node_settings(huge, {});
    FAIL("loaded a huge file");
  } catch (const config_error& e) {
    CHECK(contains(e.what(), "larger than 1048576 bytes"));
  }
}

TEST_CASE("node config: [election] settings, and the lease derived from a short deadline") {
  node_toml t;
  const std::string base = node_toml::required;
  auto s = t.load(base + "[election]\ncluster_size = 5\nquorum = true\nstable_after_ms = 3000\npreempt = false\n");
  CHECK(s.election.cluster_size == 5);
  CHECK(s.election.quorum == true);
  CHECK(s.election.stable_after == std::chrono::milliseconds(3000));
  CHECK(!s.election.preempt);
  CHECK(s.election.lease == std::chrono::milliseconds(500));  // deadline 1 s: the defaults
  s = t.load(base + "[timing]\nheartbeat_ms = 50\ndeadline_ms = 300\n");
  CHECK(s.election.lease == std::chrono::milliseconds(150));
  CHECK(s.election.renew == std::chrono::milliseconds(30));
  CHECK(t.problem(base + "[election]\nlease_ms = 950\n") ==
        t.file + ":5: key 'lease_ms' in [election]: election: lease (950 ms) + renew (100 ms) must "
                 "stay below the failure deadline (1000 ms), or an old leader could still act when "
                 "the others elect a new one");
  CHECK(t.problem(base + "[election]\ncluster_siz = 5\n").find("unknown key 'cluster_siz' in [election]") !=
        std::string::npos);
}

TEST_CASE("node config: [jobs] slots, scratch and interpreters, with --allow-interpreter added") {
  node_toml t;
  const std::string base = node_toml::required;
  auto s = t.load(base + "[jobs]\nslots = 3\nscratch = \"work\"\n[jobs.interpreters]\nsh = \"/bin/sh\"\n");
  CHECK(s.jobs.slots == 3);
  CHECK(s.jobs.scratch == (t.dir.path() / "work").string());
  CHECK(s.jobs.interpreters == std::map<std::string, std::string>{{"sh", "/bin/sh"}});
  node_overrides o;
  o.interpreters = {"dash=/bin/sh"};
  o.slots = 7;
  s = t.load(base + "[jobs.interpreters]\nsh = \"/bin/sh\"\n", o);
  CHECK(s.jobs.interpreters.size() == 2);
  CHECK(s.jobs.slots == 7);
  CHECK(t.load(base).jobs.interpreters.empty());  // none by default

  CHECK(contains(t.problem(base + "[jobs.interpreters]\nsh = \"bin/sh\"\n"),
                 t.file + ":5: key 'interpreters.sh' in [jobs]: \"bin/sh\" is not an absolute path"));
  CHECK(contains(t.problem(base + "[jobs.interpreters]\nsh = \"/no/such/sh\"\n"), "/no/such/sh is not an executable file"));
  CHECK(contains(t.problem(base + "[jobs]\nslots = 0\n"), "0 is out of range: 1 to 4096"));
  o = {};
  o.interpreters = {"python3"};
  CHECK(t.problem(base, o) == "--allow-interpreter: \"python3\" is not NAME=PATH");
  o.interpreters = {"py thon=/bin/sh"};
  CHECK(contains(t.problem(base, o), "is not an interpreter name"));
}
