// What the timer, UDP and TCP drivers share: the actor's state and start-up
// (the core made by the first turn, which knows the driver's actor id: its
// I/O side reaches the actor with io_port::post), the driver's log and its
// count of ignored requests, the public requests with their
// malformed-request reports, and the answer to get_KIND_stats(R).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::drivers_detail {

/// A record pattern label(_, ..., _) with `arity` wildcards.
term any_of_arity(std::string_view label, std::size_t arity);

/// Runs a turn of `driver` that sends m: how the I/O side hands on what it
/// received (data, datagrams, errors) as the driver's own message.
void send_as(io_port& port, actor_id driver, term m);

/// A driver's log: "NAME: line" to its sink — the options' own if set, else
/// the port's — and the count of requests it ignored (for its stats).
/// Refers to a name that outlives it (the options').
class driver_log {
 public:
  driver_log(std::string_view name, const log_sink& own, const io_port& port)
      : name_(name), out_(own ? own : port.log()) {}

  void write(log_level level, std::string_view line) const;
  /// "ignored WHAT: WHY", a warning, counted.
  void ignore(const term& what, std::string_view why);
  /// A warning about a request given up some other way, counted as ignored.
  void write_ignored(std::string_view line) {
    ++ignored_;
    write(log_level::warn, line);
  }
  std::int64_t ignored() const noexcept { return ignored_; }

 private:
  std::string_view name_;
  log_sink out_;
  std::int64_t ignored_ = 0;
};

/// Held by a driver's core, holds its I/O side: when the actor stops (its
/// state goes), stop(core) posts the end of the I/O side's work, so that
/// its pending operations complete and let go of it. Should posting fail
/// (out of memory), the pending work ends with the io_context.
template <class IoCore, void (*Stop)(const std::shared_ptr<IoCore>&)>
struct io_owner {
  std::shared_ptr<IoCore> core;
  explicit io_owner(std::shared_ptr<IoCore> c) : core(std::move(c)) {}
  io_owner(const io_owner&) = delete;
  io_owner& operator=(const io_owner&) = delete;
  ~io_owner() {
    try {
      Stop(core);
    } catch (...) {
    }
  }
};

/// The state of a driver actor: what driver() is given, and the core its
/// first turn makes: Core(io_port&, the driver's actor id, options), one
/// per spawned driver. Core has a driver_log `log`.
template <class Core, class Options>
struct driver_state {
  io_port* port = nullptr;
  std::shared_ptr<const Options> options;
  std::shared_ptr<Core> core;
};

/// The driver actor, named after options.name. Its first turn makes the
/// core.
template <class Core, class Options>
actor<driver_state<Core, Options>> driver_actor(io_port& port, Options options) {
  auto opts = std::make_shared<const Options>(std::move(options));
  const std::string name = opts->name;
  actor<driver_state<Core, Options>> a{{&port, std::move(opts), nullptr}, name};
  a.on_start([](turn<driver_state<Core, Options>>& t) {
    t.state.core = std::make_shared<Core>(*t.state.port, t.self(), t.state.options);
  });
  return a;
}

/// A public request: its label, arity and how the log writes it.
struct request_form {
  std::string_view label;
  std::size_t arity;
  std::string_view want;  // e.g. "tcp.close(CONN)"
};

/// Patterns fix a record's arity, so a request of the wrong shape needs a
/// catch-all per wrong arity; up to this many fields are caught.
inline constexpr std::size_t max_request_arity = 6;

/// Subscribes `a` to the request label(_, ..., _) with `on_request`, and to
/// the same label with 0 to max_request_arity fields but not form.arity:
/// such a request is logged as ignored ("want WANT") and counted, rather
/// than vanishing without a trace.
template <class S>
void serve_request(actor<S>& a, const request_form& form,
                   std::type_identity_t<std::function<void(turn<S>&, const message&)>> on_request) {
  a.subscribe(any_of_arity(form.label, form.arity), {.on_message = std::move(on_request)});
  const shared_handlers<S> malformed{{.on_message = [why = fmt::format("want {}", form.want)](
                                          turn<S>& t, const message& m) {
    t.state.core->log.ignore(m.body(), why);
  }}};
  for (std::size_t k = 0; k <= max_request_arity; ++k)
    if (k != form.arity) a.subscribe(any_of_arity(form.label, k), malformed);
}

/// Serves get_KIND_stats(R): answers KIND_stats(R, figures(t)...).
template <class S>
void serve_stats(actor<S>& a, std::string_view kind,
                 std::vector<std::int64_t> (*figures)(turn<S>& t)) {
  const std::string label = fmt::format("get_{}_stats", kind);
  const std::string want = fmt::format("{}(ReplyID)", label);
  serve_request<S>(a, {label, 1, want},
                   [figures, kind = std::string(kind)](turn<S>& t, const message& m) {
                     std::vector<term> fields{m.body()[0]};
                     for (const std::int64_t n : figures(t)) fields.emplace_back(n);
                     t.send(term::record(fmt::format("{}_stats", kind), std::move(fields)));
                   });
}

}  // namespace agora::drivers_detail
