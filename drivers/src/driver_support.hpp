// What the timer, UDP and TCP drivers share: the actor's state and start-up
// (an instance number for the private topics the I/O side injects, the
// core made by the first turn), the driver's log and its count of ignored
// requests, the catch-all subscriptions for malformed requests, and the
// answer to get_KIND_stats(R).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/term.hpp"

namespace agora::drivers_detail {

/// A record pattern label(_, ..., _) with `arity` wildcards.
term any_of_arity(std::string_view label, std::size_t arity);

/// The number that makes a driver's private topics (what its I/O side
/// injects) its own: the driver actor's id in the VM the port injects into.
/// Two live drivers never share it, and a driver spawned later on a reused
/// slot differs by the slot's generation, so late messages of a stopped
/// driver reach nobody.
inline std::int64_t instance_of(const turn_base& t) noexcept {
  return static_cast<std::int64_t>(t.self().value);
}

/// A driver's log: "NAME: line" to the options' sink (stderr when it has
/// none), and the count of requests it ignored (for its stats). Refers to
/// the name and sink of options that outlive it.
class driver_log {
 public:
  using sink = std::function<void(std::string_view line)>;

  driver_log(std::string_view name, const sink& out) : name_(name), out_(out) {}

  void write(std::string_view line) const;
  /// "ignored WHAT: WHY", counted.
  void ignore(const term& what, std::string_view why);
  /// A line about a request given up some other way, counted as ignored.
  void write_ignored(std::string_view line) {
    ++ignored_;
    write(line);
  }
  std::int64_t ignored() const noexcept { return ignored_; }

 private:
  std::string_view name_;
  const sink& out_;
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
/// first turn makes: Core(io_port&, instance, options), one per spawned
/// driver. Core has a driver_log `log`.
template <class Core, class Options>
struct driver_state {
  io_port* port = nullptr;
  std::shared_ptr<const Options> options;
  std::shared_ptr<Core> core;
};

/// The driver actor, named after options.name. Its first turn makes the
/// core, then runs start(t, instance) (to subscribe to the private topics).
template <class Core, class Options>
actor<driver_state<Core, Options>> driver_actor(
    io_port& port, Options options,
    std::type_identity_t<void (*)(turn<driver_state<Core, Options>>&, std::int64_t instance)> start) {
  auto opts = std::make_shared<const Options>(std::move(options));
  const std::string name = opts->name;
  actor<driver_state<Core, Options>> a{{&port, std::move(opts), nullptr}, name};
  a.on_start([start](turn<driver_state<Core, Options>>& t) {
    const std::int64_t instance = instance_of(t);
    t.state.core = std::make_shared<Core>(*t.state.port, instance, t.state.options);
    start(t, instance);
  });
  return a;
}

/// A request the driver understands: its label, arity and how to write it.
struct request_form {
  std::string_view label;
  std::size_t arity;
  std::string_view want;  // e.g. "tcp.close(CONN)"
};

/// Requests of the wrong shape would otherwise vanish without a trace: for
/// each form, subscribes label(...) with 0 to 6 fields, but not the right
/// arity, to log the request as ignored ("want ...").
template <class S>
void subscribe_malformed(actor<S>& a, std::initializer_list<request_form> forms) {
  for (const request_form& f : forms) {
    const shared_handlers<S> malformed{{.on_message = [why = fmt::format("want {}", f.want)](
                                            turn<S>& t, const message& m) {
      t.state.core->log.ignore(m.body(), why);
    }}};
    for (std::size_t k = 0; k <= 6; ++k)
      if (k != f.arity) a.subscribe(any_of_arity(f.label, k), malformed);
  }
}

/// Subscribes a to get_KIND_stats(R) and answers each with
/// KIND_stats(R, figures(t)...).
template <class S>
void serve_stats(actor<S>& a, std::string_view kind,
                 std::vector<std::int64_t> (*figures)(turn<S>& t)) {
  a.subscribe(rec(fmt::format("get_{}_stats", kind), _),
              {.on_message = [figures, kind = std::string(kind)](turn<S>& t, const message& m) {
                 std::vector<term> fields{m.body()[0]};
                 for (const std::int64_t n : figures(t)) fields.emplace_back(n);
                 t.send(term::record(fmt::format("{}_stats", kind), std::move(fields)));
               }});
}

}  // namespace agora::drivers_detail
