// The process driver actor: the VM side. It turns presence into processes
// and their ends into absences:
//  - a participant subscriber flow process(ID, COMMAND), seen by the
//    driver's observer publisher process(_, _), spawns the process (in this
//    turn: posix_spawn returns once the program is executing, or with the
//    reason it could not be);
//  - a running process is two publishers, process(ID, COMMAND) and
//    process.output(ID, _, _), removed together with the reason once it is
//    reaped and both its pipes are at eof; the output publisher takes the
//    owner's credit (feedback);
//  - process.input(ID, ...) messages go to the child's stdin queue;
//  - when the flow goes, the publishers go and the child is abandoned: its
//    group is terminated and reaped in the background.
// The state lives in a driver_core made by the first turn; the children
// (process_io.hpp) are held by shared_ptr and only ever dispatched to, and
// report back with turns of this actor (process_events.hpp). When the actor
// stops, the core's destructor abandons every child with at most the
// driver's stop_grace; the ground runs its io_context until they are
// reaped.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "agora/drivers/process.hpp"
#include "driver_support.hpp"
#include "process_events.hpp"
#include "process_io.hpp"
#include "process_terms.hpp"

namespace agora::process {

namespace {

using namespace detail;
using namespace drivers_detail;

struct proc_entry {
  std::shared_ptr<child> io;
  std::int64_t serial = 0;
  term id;
  term topic;                        // process(ID, COMMAND)
  std::optional<endpoint_id> pub;    // process(ID, COMMAND), while attached
  std::optional<endpoint_id> out;    // process.output(ID, _, _), while attached
  std::chrono::milliseconds grace{0};
  std::uint32_t flows = 0;           // subscriber flows of topic
};

struct driver_core {
  driver_core(io_port& p, actor_id driver, std::shared_ptr<const driver_options> opts)
      : port(p),
        self(driver),
        io(std::make_shared<io_shared>(p, driver, io_settings{opts->input_limit, opts->chunk_size})),
        options(std::move(opts)),
        log(options->name, options->log, p) {}
  driver_core(const driver_core&) = delete;
  driver_core& operator=(const driver_core&) = delete;
  ~driver_core();

  io_port& port;
  actor_id self;
  std::shared_ptr<io_shared> io;
  std::shared_ptr<const driver_options> options;
  driver_log log;
  std::unordered_map<std::int64_t, proc_entry> procs;  // every child not reported ended
  std::unordered_map<term, std::int64_t> by_id;        // ID → serial, attached children only
  std::int64_t next_serial = 1;
  std::int64_t started = 0, exited = 0, killed = 0;

  proc_entry* attached(const term& id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return nullptr;
    auto p = procs.find(it->second);
    return p == procs.end() ? nullptr : &p->second;
  }
};

using driver_state = drivers_detail::driver_state<driver_core, driver_options>;
using dturn = turn<driver_state>;

// ---- output credit ----------------------------------------------------------------

/// Feedback on process.output(ID, _, _): STREAM, credit(N).
void on_output_feedback(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  if (!m.is_feedback || !b.is_record("process.output", 3)) return;
  auto s = read_stream(b[1]);
  const term& what = b[2];
  if (!s || !what.is_record("credit", 1) || !what[0].is_int() || what[0].as_int() <= 0) {
    c.log.ignore(b, "feedback on process.output(ID, _, _) must be process.output(ID, STREAM, "
                    "credit(N)) with STREAM stdout or stderr and N > 0");
    return;
  }
  if (auto* e = c.attached(b[0])) e->io->credit(*s, what[0].as_int());
}

const shared_handlers<driver_state>& output_handlers() {
  static const shared_handlers<driver_state> h{{.on_message = on_output_feedback}};
  return h;
}

// ---- starting ---------------------------------------------------------------------

/// The owner sees process(ID, COMMAND) appear and go away with `why`. The
/// removal is a turn of its own, so that the presence comes first.
void refuse_visibly(dturn& t, const term& flow, term why) {
  const endpoint_id ep = t.publish(flow);
  t.state.core->port.post(t.self(), [ep, why = std::move(why)](turn_base& b) mutable {
    b.remove(ep, reason(std::move(why)));
  });
}

/// A subscriber flow process(ID, COMMAND), if concrete (others — monitors
/// with wildcards — start nothing).
bool is_request(const term& flow) { return flow.is_record("process", 2) && flow.is_concrete(); }

void on_interest(dturn& t, const presence& p) {
  auto& c = *t.state.core;
  const term& flow = p.flow();
  if (!is_request(flow)) return;
  const term& id = flow[0];
  if (auto* e = c.attached(id)) {
    if (e->topic == flow) {
      ++e->flows;
    } else {
      c.log.ignore(flow, fmt::format("process {} runs already, with another COMMAND: {}",
                                     id.to_string(), e->topic[1].to_string()));
    }
    return;
  }
  auto cmd = read_command(flow[1]);
  if (!cmd) {
    c.log.ignore(flow, fmt::format("COMMAND: {}", cmd.error));
    return;
  }
  if (c.procs.size() >= c.options->max_processes) {
    c.log.write_ignored(fmt::format("refused {}: too many processes (max_processes {})",
                                    flow.to_string(), c.options->max_processes));
    refuse_visibly(t, flow, reason_failed("too many processes"));
    return;
  }
  auto r = spawn(*cmd.value);
  if (!r.child) {
    c.log.write(log_level::info, fmt::format("process {}: {}", id.to_string(), r.error));
    refuse_visibly(t, flow, reason_failed(r.error));
    return;
  }
  const std::int64_t serial = c.next_serial++;
  proc_entry& e = c.procs[serial];
  e.io = std::make_shared<child>(c.io, serial, id, *r.child, cmd.value->timeout, cmd.value->grace);
  e.serial = serial;
  e.id = id;
  e.topic = flow;
  e.grace = cmd.value->grace;
  e.flows = 1;
  e.pub = t.publish(flow);
  e.out = t.publish(output_topic(id), output_handlers());
  c.by_id[id] = serial;
  ++c.started;
  e.io->start();
}

void detach(dturn& t, proc_entry& e, const term& why) {
  if (e.out) t.remove(*e.out, reason(why));
  if (e.pub) t.remove(*e.pub, reason(why));
  e.out.reset();
  e.pub.reset();
  auto& by_id = t.state.core->by_id;
  if (auto it = by_id.find(e.id); it != by_id.end() && it->second == e.serial) by_id.erase(it);
}

void on_interest_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  const term& flow = a.flow();
  if (!is_request(flow)) return;
  auto* e = c.attached(flow[0]);
  if (!e || e->topic != flow || --e->flows > 0) return;
  // Nobody listens: the publishers go now (nobody is told), the group is
  // terminated and reaped in the background.
  detach(t, *e, reason::deleted().as_term());
  e->io->abandon(e->grace);
}

// ---- stdin ------------------------------------------------------------------------

void on_input(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  const term& what = b[1];
  const bool bytes = what.is_bytes() || what.is_string();
  if (!bytes && what != sym("eof")) {
    c.log.ignore(b, "want process.input(ID, BYTES) with BYTES bytes or a string, or process.input(ID, eof)");
    return;
  }
  // An unknown ID has ended already (or never ran): dropped, not an error.
  auto* e = c.attached(b[0]);
  if (!e) return;
  if (bytes)
    e->io->write(what);
  else
    e->io->close_input();
}

std::vector<std::int64_t> stats_figures(dturn& t) {
  auto& c = *t.state.core;
  return {static_cast<std::int64_t>(c.procs.size()), c.started, c.exited, c.killed, c.log.ignored()};
}

driver_core::~driver_core() {
  // The actor stopped (ground shutdown, or stopped by hand): nothing is
  // reported from now on; every child is terminated within the stop grace
  // and reaped in the background, held by its own handlers.
  io->stop();
  try {
    for (auto& [serial, e] : procs)
      e.io->abandon(std::min(e.grace, options->stop_grace));
  } catch (...) {  // out of memory while posting: each child's destructor kills and reaps it
  }
  procs.clear();
}

}  // namespace

// ---- events from the I/O side -------------------------------------------------------

namespace detail::events {

void ended(turn_base& base, std::int64_t serial, const term& why, bool signaled) {
  dturn t(base);
  auto& c = *t.state.core;
  auto it = c.procs.find(serial);
  if (it == c.procs.end()) return;
  detach(t, it->second, why);
  ++(signaled ? c.killed : c.exited);
  c.procs.erase(it);
}

void log(turn_base& base, log_level level, const std::string& line) {
  dturn t(base);
  t.state.core->log.write(level, line);
}

}  // namespace detail::events

actor_spec driver(io_port& port, driver_options options) {
  auto a = driver_actor<driver_core>(port, std::move(options));
  // Interest in processes. An observer: it sees the owners' (participant)
  // subscriptions without being seen by them; monitors and taps (observers
  // themselves) start nothing.
  a.publish(rec("process", _, _), {.on_presence = on_interest, .on_absence = on_interest_gone},
            interest::observer);
  serve_request(a, {"process.input", 2, "process.input(ID, BYTES) or process.input(ID, eof)"}, on_input);
  serve_stats(a, "process", stats_figures);
  return a;
}

}  // namespace agora::process
