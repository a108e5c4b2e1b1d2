// The proxy's control language (proxy/command.hpp), parsed without a proxy.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "proxy/command.hpp"

using namespace agora_tools;

namespace {

command parsed(std::string_view line) {
  auto r = parse_command(line);
  if (auto* why = std::get_if<std::string>(&r)) FAIL("'" << std::string(line) << "' did not parse: " << *why);
  return std::get<command>(r);
}

bool rejected(std::string_view line) { return std::holds_alternative<std::string>(parse_command(line)); }

}  // namespace

TEST_CASE("command: delay takes a direction and milliseconds") {
  const auto c = parsed("delay tx 200");
  CHECK(c.what == command::kind::delay);
  CHECK(c.where.tx);
  CHECK_FALSE(c.where.rx);
  CHECK(c.delay.count() == 200);
  const auto both = parsed("  delay both 0\r");
  CHECK(both.where.tx);
  CHECK(both.where.rx);
  CHECK(both.delay.count() == 0);
  CHECK(rejected("delay tx"));
  CHECK(rejected("delay tx -1"));
  CHECK(rejected("delay tx 12ms"));
  CHECK(rejected("delay up 10"));
  CHECK(rejected("delay tx 99999999999999999999"));
}

TEST_CASE("command: pause and blackhole take a direction") {
  const auto p = parsed("pause rx");
  CHECK(p.what == command::kind::pause);
  CHECK_FALSE(p.where.tx);
  CHECK(p.where.rx);
  const auto b = parsed("blackhole both");
  CHECK(b.what == command::kind::blackhole);
  CHECK(b.where.tx);
  CHECK(b.where.rx);
  CHECK(rejected("pause"));
  CHECK(rejected("blackhole sideways"));
  CHECK(rejected("pause tx rx"));
}

TEST_CASE("command: heal, with or without a direction, cut and stats take nothing") {
  const auto all = parsed("heal");
  CHECK(all.what == command::kind::heal);
  CHECK(all.every_fault);
  const auto tx = parsed("heal tx");
  CHECK_FALSE(tx.every_fault);
  CHECK(tx.where.tx);
  CHECK_FALSE(tx.where.rx);
  CHECK(parsed("cut").what == command::kind::cut);
  CHECK(parsed("stats").what == command::kind::stats);
  CHECK(rejected("cut now"));
  CHECK(rejected("stats tx"));
  CHECK(rejected(""));
  CHECK(rejected("reboot"));
}
