// agora-node as a process: its command line, configuration mistakes (exit
// status 2, the message on standard error), the banner and an orderly stop,
// and `agora-node status` against a running node or nothing at all.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <csignal>
#include <string>

#include "scratch_dir.hpp"
#include "run_program.hpp"

using namespace agora_test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

program_result agora_node(std::vector<std::string> args) { return run_program(AGORA_NODE_BIN, std::move(args)); }

/// A port on 127.0.0.1 that nothing listens on (free a moment ago).
int unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("agora-node --help lists the options and the status command") {
  const auto r = agora_node({"--help"});
  CHECK(r.exit_code == 0);
  for (const char* part : {"--config", "--id", "--listen", "--seed", "--secret-file", "--log-level", "status"})
    CHECK_MESSAGE(contains(r.out, part), part);

  const auto s = agora_node({"status", "--help"});
  CHECK(s.exit_code == 0);
  for (const char* part : {"--connect", "--secret-file", "--json", "--watch", "--interval", "--timeout"})
    CHECK_MESSAGE(contains(s.out, part), part);
}

TEST_CASE("agora-node: a command-line mistake exits 2") {
  CHECK(agora_node({"--no-such-flag"}).exit_code == 2);
  CHECK(agora_node({"--id", "one"}).exit_code == 2);
  const auto level = agora_node({"--log-level", "verbose"});
  CHECK(level.exit_code == 2);
  CHECK(contains(level.err, "--log-level"));
  CHECK(agora_node({"status", "--secret-file", "s"}).exit_code == 2);  // no --connect
  CHECK(agora_node({"status", "--connect", "127.0.0.1:1", "--secret-file", "s", "--timeout", "0"}).exit_code == 2);
}

TEST_CASE("agora-node: a bad configuration file exits 2, naming the file, the line and the key") {
  scratch_dir dir;
  dir.write("secret", good_secret_hex());
  const auto file = dir.write("node.toml", "id = 1\nlisten = \"127.0.0.1:0\"\nsecret_file = \"secret\"\n"
                                           "[timing]\nheartbeat_ms = \"fast\"\n");
  const auto r = agora_node({"--config", file});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agora-node: " + file + ":5: key 'heartbeat_ms' in [timing]: expected an integer, got a string\n");
  CHECK(r.out.empty());

  const auto missing = agora_node({"--config", (dir.path() / "none.toml").string()});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "none.toml: cannot read: No such file or directory"));
}

TEST_CASE("agora-node: a missing or unsafe secret file exits 2 and says which file and why") {
  scratch_dir dir;
  const auto missing = (dir.path() / "secret").string();
  auto r = agora_node({"--id", "1", "--listen", "127.0.0.1:0", "--secret-file", missing});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agora-node: --secret-file: cluster secret file " + missing + ": cannot open it: No such file or directory\n");

  const auto open = dir.write("open", good_secret_hex(), 0644);
  r = agora_node({"--id", "1", "--listen", "127.0.0.1:0", "--secret-file", open});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "chmod 600 " + open));

  r = agora_node({"--id", "1", "--listen", "127.0.0.1:0"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "secret_file is not set"));

  r = agora_node({"status", "--connect", "127.0.0.1:1", "--secret-file", missing});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agora-node status: --secret-file: cluster secret file " + missing + ": cannot open it: No such file or directory\n");
}

TEST_CASE("agora-node status: an address that is not HOST:PORT exits 2") {
  scratch_dir dir;
  const auto secret = dir.write("secret", good_secret_hex());
  const auto r = agora_node({"status", "--connect", "nowhere", "--secret-file", secret});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "agora-node status: --connect: \"nowhere\" is not HOST:PORT\n");
}

TEST_CASE("agora-node status: no node there exits 1 after the timeout, saying so") {
  scratch_dir dir;
  const auto secret = dir.write("secret", good_secret_hex());
  const std::string address = "127.0.0.1:" + std::to_string(unused_port());
  const auto r = agora_node({"status", "--connect", address, "--secret-file", secret, "--timeout", "1"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "agora-node status: no answer from " + address + " within 1 s"));
  CHECK(r.out.empty());
}

TEST_CASE("agora-node: a node says where it listens, answers status, and stops in order on SIGTERM") {
  scratch_dir dir;
  const auto secret = dir.write("secret", good_secret_hex());
  running_program node(AGORA_NODE_BIN, {"--id", "3", "--listen", "127.0.0.1:0", "--secret-file", secret});
  const auto banner = node.line_with("listening on");
  REQUIRE(banner);
  REQUIRE(banner->starts_with("agora-node 3 listening on 127.0.0.1:"));
  CHECK(contains(*banner, " (incarnation "));
  const auto at = banner->find("127.0.0.1:");
  const std::string address = banner->substr(at, banner->find(' ', at) - at);

  const auto json = agora_node({"status", "--connect", address, "--secret-file", secret, "--json"});
  CHECK(json.exit_code == 0);
  CHECK(json.out.starts_with("{\"node\":3,"));
  CHECK(json.out.find('\n') == json.out.size() - 1);  // exactly one line
  CHECK(contains(json.out, "\"id\":3,\"address\":\"" + address + "\",\"state\":\"up\""));

  const auto text = agora_node({"status", "--connect", address, "--secret-file", secret});
  CHECK(text.exit_code == 0);
  CHECK(text.out.starts_with("node 3 (incarnation "));

  node.signal(SIGTERM);
  CHECK(node.wait_exit() == 0);
}

TEST_CASE("agora-node status --watch: plain repeated output when not a terminal, until SIGINT") {
  scratch_dir dir;
  const auto secret = dir.write("secret", good_secret_hex());
  running_program node(AGORA_NODE_BIN, {"--id", "4", "--listen", "127.0.0.1:0", "--secret-file", secret});
  const auto banner = node.line_with("listening on");
  REQUIRE(banner);
  const auto at = banner->find("127.0.0.1:");
  const std::string address = banner->substr(at, banner->find(' ', at) - at);

  running_program watch(AGORA_NODE_BIN, {"status", "--connect", address, "--secret-file", secret, "--watch",
                                         "--json", "--interval", "0.1"});
  for (int i = 0; i < 3; ++i) {
    const auto line = watch.line_with("{\"node\":4,");
    REQUIRE(line);
    CHECK(line->find("\x1b") == std::string::npos);  // no screen control codes
  }
  watch.signal(SIGINT);
  CHECK(watch.wait_exit() == 0);
  node.signal(SIGINT);
  CHECK(node.wait_exit() == 0);
}
