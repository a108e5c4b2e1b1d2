// What the TCP driver's I/O side reports to the driver actor. Each runs as a
// turn of the driver (io_shared::report, through io_port::post), so no other
// actor can fake one. Defined with the driver, in tcp_driver.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "agora/actor.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::tcp::detail::events {

/// Listener `lid` is bound to `port`, or could not be.
void listening(turn_base& t, std::int64_t lid, std::int64_t port);
void listen_failed(turn_base& t, std::int64_t lid, const std::string& what);
/// Listener `lid` has closed its socket.
void listener_closed(turn_base& t, std::int64_t lid);
/// Connection `id` from `peer` was accepted on `listen`, and waits to be
/// claimed (io_shared::claim).
void accepted(turn_base& t, const term& listen, std::int64_t id, const term& peer);
/// Connector `cid` starts an attempt, failed one, or connected as `id`.
void trying(turn_base& t, std::int64_t cid);
void connect_failed(turn_base& t, std::int64_t cid, const std::string& what);
void connected(turn_base& t, std::int64_t cid, std::int64_t id);
/// The peer's stream of connection `id` ended: eof or too_long("...").
void read_end(turn_base& t, std::int64_t id, const term& why);
/// Connection `id`'s socket is closed, and why.
void closed(turn_base& t, std::int64_t id, const term& why);
/// A line for the driver's log.
void log(turn_base& t, log_level level, const std::string& line);

}  // namespace agora::tcp::detail::events
