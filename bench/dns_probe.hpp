// One DNS question over UDP to a daemon on 127.0.0.1, with the project's
// codec (apps/dns/codec): does it give the address the zone holds? The
// dns benchmark asks each daemon this before it measures it, and
// measures nothing of a daemon that answers wrongly.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace agora_bench {

/// Asks 127.0.0.1:port for `host`'s A record (one datagram, `timeout` for
/// the reply). nullopt if the reply is a NOERROR answer to that question
/// holding exactly the one A record `expected`; else what is wrong ("no
/// reply within 500 ms", "rcode SERVFAIL", "answered 10.0.0.9, not ...").
std::optional<std::string> dns_address_problem(std::uint16_t port, const std::string& host,
                                               std::array<std::uint8_t, 4> expected,
                                               std::chrono::milliseconds timeout);

/// Asks again (every 200 ms) until the answer is right or `patience` has
/// passed: nullopt, or the last problem. A daemon that is still starting
/// (nsd loading its zone) gets its time this way.
std::optional<std::string> wait_for_address(std::uint16_t port, const std::string& host,
                                            std::array<std::uint8_t, 4> expected,
                                            std::chrono::milliseconds patience);

/// Asks (every 200 ms) until a reply to the question comes, whatever it
/// holds, or `patience` has passed: nullopt, or the last problem. For the
/// benchmark's floor, which answers with no records.
std::optional<std::string> wait_for_reply(std::uint16_t port, const std::string& host,
                                          std::chrono::milliseconds patience);

}  // namespace agora_bench
