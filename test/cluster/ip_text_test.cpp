// agora/ip_text.hpp: "host:port" read and written (shared with the TCP driver).
#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>

#include "agora/ip_text.hpp"

namespace ip = agora::ip;
using boost::asio::ip::make_address;

TEST_CASE("ip_text: endpoints as text") {
  CHECK(ip::endpoint_text(make_address("127.0.0.1"), 80) == "127.0.0.1:80");
  CHECK(ip::endpoint_text(make_address("::1"), 443) == "[::1]:443");
  CHECK(ip::endpoint_text(make_address("::ffff:10.1.2.3"), 7) == "10.1.2.3:7");
  CHECK(ip::normalized(make_address("::ffff:127.0.0.2")) == make_address("127.0.0.2"));
}

TEST_CASE("ip_text: host:port read") {
  auto hp = ip::split_host_port("127.0.0.1:8080");
  REQUIRE(hp);
  CHECK(hp->host == "127.0.0.1");
  CHECK(hp->port == 8080);
  hp = ip::split_host_port("[::1]:0");
  REQUIRE(hp);
  CHECK(hp->host == "::1");
  CHECK(hp->port == 0);
  hp = ip::split_host_port("node-1.example:65535");
  REQUIRE(hp);
  CHECK(hp->host == "node-1.example");
  for (const char* bad : {"", ":", "host", "host:", ":80", "::1:80", "[::1]", "[]:80", "h:65536", "h:-1",
                          "h:+1", "h:1x", "h:123456", "[::1:80", "a]:80"})
    CHECK_MESSAGE(!ip::split_host_port(bad), bad);
}
