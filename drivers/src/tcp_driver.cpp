// The TCP driver actor: the VM side. It turns presence into sockets and
// I/O events into presence:
//  - interest in tcp.accepted(LISTEN, _, _) opens a listener (closed when
//    the interest goes); interest in tcp.connected(CONNECT, _) starts a
//    connector;
//  - every connection is two publishers: tcp.accepted(LISTEN, CONN, PEER)
//    (or tcp.connected(CONNECT, CONN)), gone at the end of the peer's
//    stream or of the connection, and tcp.data(CONN, _), gone when the
//    socket is closed; the subscribers of tcp.data hold the connection and
//    grant credit by feedback;
//  - writes and closes are messages, posted to the connection's strand.
// The state lives in a driver_core made by the first turn; the I/O objects
// (tcp_io.hpp) are held by shared_ptr and only ever posted to, and report
// back with turns of this actor (tcp_events.hpp). When the actor stops, the
// core's destructor closes every listener and connector and starts a
// graceful close of every connection, which drains in the background.
#include <fmt/format.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "agora/drivers/tcp.hpp"
#include "driver_support.hpp"
#include "tcp_events.hpp"
#include "tcp_io.hpp"

namespace agora::tcp {

namespace {

using namespace detail;
using namespace drivers_detail;

struct conn_entry {
  std::shared_ptr<connection> io;
  term conn;   // tcp.conn(N)
  term owner;  // LISTEN or CONNECT
  framing frame;
  bool outgoing = false;
  std::int64_t cid = 0;               // outgoing: the connector's id
  std::optional<endpoint_id> link;    // tcp.accepted(...) / tcp.connected(...)
  std::optional<endpoint_id> data;    // tcp.data(CONN, _)
  std::uint32_t link_flows = 0, data_flows = 0;
  bool closing = false;               // a graceful close was asked for
};

/// A state publisher (tcp.listener(...) / tcp.connecting(...)): its
/// endpoint and its topic. Setting the same state again changes nothing.
struct status_slot {
  std::optional<endpoint_id> ep;
  term topic;
};

struct listen_entry {  // one per LISTEN with interest
  std::uint32_t interest = 0;
  std::int64_t lid = 0;
  std::shared_ptr<detail::listener> io;  // null: the term was malformed
};

struct lid_entry {  // one per listener instance, until it reports closed
  term listen;
  status_slot status;  // tcp.listener(LISTEN, STATE)
};

struct connect_entry {  // one per CONNECT with interest
  std::uint32_t interest = 0;
  std::int64_t cid = 0;
  std::shared_ptr<connector> io;  // null: the term was malformed
  status_slot status;  // tcp.connecting(CONNECT, STATE)
  std::int64_t conn = 0;              // the current connection's N, 0: none
};

struct driver_core {
  driver_core(io_port& port, actor_id driver, std::shared_ptr<const driver_options> opts)
      : io(std::make_shared<io_shared>(port, driver,
                                       io_settings{opts->idle_timeout, opts->drain_timeout,
                                                   opts->connect_timeout, opts->write_limit})),
        options(std::move(opts)),
        log(options->name, options->log, port) {}
  driver_core(const driver_core&) = delete;
  driver_core& operator=(const driver_core&) = delete;
  ~driver_core();

  std::shared_ptr<io_shared> io;
  std::shared_ptr<const driver_options> options;
  driver_log log;
  std::unordered_map<term, listen_entry> listens;
  std::unordered_map<std::int64_t, lid_entry> lids;
  std::unordered_map<term, connect_entry> connects;
  std::unordered_map<std::int64_t, term> cids;  // live connectors: cid → CONNECT
  std::unordered_map<std::int64_t, conn_entry> conns;
  std::unordered_map<term, std::unordered_set<std::int64_t>> by_listen;
  std::int64_t next_lid = 1, next_cid = 1;

  lid_entry* find_listener(std::int64_t lid) {
    auto it = lids.find(lid);
    return it == lids.end() ? nullptr : &it->second;
  }
  conn_entry* find(std::int64_t id) {
    auto it = conns.find(id);
    return it == conns.end() ? nullptr : &it->second;
  }
  conn_entry* find(const term& conn) {
    if (!conn.is_record("tcp.conn", 1) || !conn[0].is_int()) return nullptr;
    return find(conn[0].as_int());
  }
};

using driver_state = drivers_detail::driver_state<driver_core, driver_options>;
using dturn = turn<driver_state>;

// ---- status publishers ----------------------------------------------------------

void set_status(dturn& t, status_slot& slot, term topic) {
  if (slot.ep && slot.topic == topic) return;
  if (slot.ep) t.remove(*slot.ep);
  slot.ep = t.publish(topic);
  slot.topic = std::move(topic);
}

void clear_status(dturn& t, status_slot& slot) {
  if (slot.ep) t.remove(*slot.ep);
  slot.ep.reset();
}

// ---- connections ----------------------------------------------------------------

void remove_link(dturn& t, conn_entry& e, const term& why) {
  if (!e.link) return;
  t.remove(*e.link, reason(why));
  e.link.reset();
  e.link_flows = 0;
}

void remove_data(dturn& t, conn_entry& e, const term& why) {
  if (!e.data) return;
  t.remove(*e.data, reason(why));
  e.data.reset();
  e.data_flows = 0;
}

/// Graceful close asked by the application (or because nobody holds the
/// connection): the read side ends now, the data publisher goes when the
/// socket is closed.
void close_conn(dturn& t, conn_entry& e) {
  if (e.closing) return;
  e.closing = true;
  remove_link(t, e, reason_closed());
  e.io->close();
}

/// Nobody wants the connection: no subscriber of its data, and none of its
/// tcp.accepted / tcp.connected (before a reader came, or after its eof).
void release_if_unheld(dturn& t, conn_entry& e) {
  if (!e.closing && e.link_flows == 0 && e.data_flows == 0) close_conn(t, e);
}

void on_link_presence(dturn& t, const presence& p) {
  if (auto* e = t.state.core->find(p.flow()[1])) ++e->link_flows;
}

void on_link_absence(dturn& t, const absence& a) {
  if (auto* e = t.state.core->find(a.flow()[1])) {
    if (e->link_flows > 0) --e->link_flows;
    release_if_unheld(t, *e);
  }
}

void on_data_presence(dturn& t, const presence& p) {
  if (auto* e = t.state.core->find(p.flow()[0])) ++e->data_flows;
}

void on_data_absence(dturn& t, const absence& a) {
  if (auto* e = t.state.core->find(a.flow()[0])) {
    if (e->data_flows > 0) --e->data_flows;
    if (e->data_flows == 0) close_conn(t, *e);  // the last reader let go
  }
}

/// Feedback on tcp.data(CONN, _): credit(N).
void on_data_feedback(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& body = m.body();
  if (!m.is_feedback || !body.is_record("tcp.data", 2)) return;
  const term& what = body[1];
  if (!what.is_record("credit", 1) || !what[0].is_int() || what[0].as_int() <= 0) {
    c.log.ignore(body, "feedback on tcp.data(CONN, _) must be credit(N) with N > 0");
    return;
  }
  auto* e = c.find(body[0]);
  if (e && !e->closing) e->io->credit(what[0].as_int());
}

const shared_handlers<driver_state>& link_handlers() {
  static const shared_handlers<driver_state> h{
      {.on_presence = on_link_presence, .on_absence = on_link_absence}};
  return h;
}

const shared_handlers<driver_state>& data_handlers() {
  static const shared_handlers<driver_state> h{{.on_presence = on_data_presence,
                                                .on_absence = on_data_absence,
                                                .on_message = on_data_feedback}};
  return h;
}

void check_held(turn_base& base, std::int64_t id);

/// A connection handed over by a listener or connector becomes publishers.
/// A turn of ours posted now comes after the presence of the subscribers
/// already there, and checks that someone holds it.
conn_entry* adopt(dturn& t, std::int64_t id, term owner, framing frame, term link_topic) {
  auto& c = *t.state.core;
  auto io = c.io->claim(id);
  if (!io) return nullptr;
  conn_entry& e = c.conns[id];
  e.io = std::move(io);
  e.conn = conn(id);
  e.owner = std::move(owner);
  e.frame = frame;
  e.link = t.publish(std::move(link_topic), link_handlers());
  e.data = t.publish(data(e.conn), data_handlers());
  c.io->report(check_held, id);
  return &e;
}

std::optional<framing> framing_of(const term& owner) {
  return owner.is_record() && owner.size() >= 3 ? read_framing(owner[2]) : std::nullopt;
}

// ---- listeners ------------------------------------------------------------------

/// The LISTEN of a subscriber flow tcp.accepted(LISTEN, X, _) that asks for
/// connections (X not a concrete connection), if concrete.
const term* listen_of(const term& flow) {
  if (!flow.is_record("tcp.accepted", 3) || !flow[0].is_concrete() || flow[1].is_concrete())
    return nullptr;
  return &flow[0];
}

void open_listener(dturn& t, const term& listen, listen_entry& l) {
  auto& c = *t.state.core;
  l.lid = c.next_lid++;
  lid_entry& le = c.lids[l.lid];
  le.listen = listen;
  auto checked = read_listen(listen);
  if (!checked.spec) {
    c.log.write(log_level::warn,
                fmt::format("cannot listen on {}: {}", listen.to_string(), checked.error));
    set_status(t, le.status, rec("tcp.listener", listen, rec("failed", checked.error)));
    return;
  }
  l.io = std::make_shared<detail::listener>(c.io, l.lid, listen, std::move(*checked.spec));
  l.io->open();
}

void on_listen_interest(dturn& t, const presence& p) {
  const term* listen = listen_of(p.flow());
  if (!listen) return;
  auto& l = t.state.core->listens[*listen];
  if (l.interest++ == 0) open_listener(t, *listen, l);
}

void on_listen_interest_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  const term* listen = listen_of(a.flow());
  if (!listen) return;
  auto it = c.listens.find(*listen);
  if (it == c.listens.end() || --it->second.interest > 0) return;
  if (it->second.io) {
    it->second.io->close();  // its status goes when it reports closed
  } else if (auto lt = c.lids.find(it->second.lid); lt != c.lids.end()) {
    clear_status(t, lt->second.status);
    c.lids.erase(lt);
  }
  c.listens.erase(it);
}

// ---- connectors -----------------------------------------------------------------

const term* connect_of(const term& flow) {
  if (!flow.is_record("tcp.connected", 2) || !flow[0].is_concrete() || flow[1].is_concrete())
    return nullptr;
  return &flow[0];
}

void on_connect_interest(dturn& t, const presence& p) {
  auto& c = *t.state.core;
  const term* target = connect_of(p.flow());
  if (!target) return;
  auto& k = c.connects[*target];
  if (k.interest++ > 0) return;
  k.cid = c.next_cid++;
  auto checked = read_connect(*target);
  if (!checked.spec) {
    c.log.write(log_level::warn,
                fmt::format("cannot connect to {}: {}", target->to_string(), checked.error));
    set_status(t, k.status, rec("tcp.connecting", *target, rec("failed", checked.error)));
    return;
  }
  c.cids[k.cid] = *target;
  set_status(t, k.status, rec("tcp.connecting", *target, sym("trying")));
  k.io = std::make_shared<connector>(c.io, k.cid, std::move(*checked.spec));
  k.io->open();
}

void on_connect_interest_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  const term* target = connect_of(a.flow());
  if (!target) return;
  auto it = c.connects.find(*target);
  if (it == c.connects.end() || --it->second.interest > 0) return;
  auto& k = it->second;
  if (k.io) k.io->close();
  clear_status(t, k.status);
  c.cids.erase(k.cid);
  // The connection, if any, stays while someone reads it.
  c.connects.erase(it);
}

connect_entry* connector_of(driver_core& c, std::int64_t cid) {
  auto it = c.cids.find(cid);
  if (it == c.cids.end()) return nullptr;
  auto k = c.connects.find(it->second);
  return k == c.connects.end() || k->second.cid != cid ? nullptr : &k->second;
}

void check_held(turn_base& base, std::int64_t id) {
  dturn t(base);
  if (auto* e = t.state.core->find(id)) release_if_unheld(t, *e);
}

}  // namespace

// ---- events from the I/O side ----------------------------------------------------

namespace detail::events {

void listening(turn_base& base, std::int64_t lid, std::int64_t port) {
  dturn t(base);
  if (auto* l = t.state.core->find_listener(lid))
    set_status(t, l->status, rec("tcp.listener", l->listen, rec("listening", port)));
}

void listen_failed(turn_base& base, std::int64_t lid, const std::string& what) {
  dturn t(base);
  auto& c = *t.state.core;
  auto* l = c.find_listener(lid);
  if (!l) return;
  c.log.write(log_level::warn, fmt::format("cannot listen on {}: {}", l->listen.to_string(), what));
  set_status(t, l->status, rec("tcp.listener", l->listen, rec("failed", what)));
}

void listener_closed(turn_base& base, std::int64_t lid) {
  dturn t(base);
  auto& c = *t.state.core;
  if (auto* l = c.find_listener(lid)) {
    clear_status(t, l->status);
    c.lids.erase(lid);
  }
}

void accepted(turn_base& base, const term& listen, std::int64_t id, const term& peer) {
  // Adopted even if the listener is closing already; then nobody holds it
  // and the check closes it.
  dturn t(base);
  auto frame = framing_of(listen);
  if (!frame) return;
  if (adopt(t, id, listen, *frame, rec("tcp.accepted", listen, conn(id), peer)))
    t.state.core->by_listen[listen].insert(id);
}

void trying(turn_base& base, std::int64_t cid) {
  dturn t(base);
  auto& c = *t.state.core;
  if (auto* k = connector_of(c, cid))
    set_status(t, k->status, rec("tcp.connecting", c.cids[cid], sym("trying")));
}

void connect_failed(turn_base& base, std::int64_t cid, const std::string& what) {
  dturn t(base);
  auto& c = *t.state.core;
  if (auto* k = connector_of(c, cid))
    set_status(t, k->status, rec("tcp.connecting", c.cids[cid], rec("failed", what)));
}

void connected(turn_base& base, std::int64_t cid, std::int64_t id) {
  dturn t(base);
  auto& c = *t.state.core;
  auto* k = connector_of(c, cid);
  if (!k) {  // nobody wants it any more
    if (auto io = c.io->claim(id)) io->close();
    return;
  }
  const term target = c.cids[cid];
  auto frame = framing_of(target);
  if (!frame) return;
  clear_status(t, k->status);
  if (auto* e = adopt(t, id, target, *frame, rec("tcp.connected", target, conn(id)))) {
    e->outgoing = true;
    e->cid = cid;
    k->conn = id;
  }
}

void read_end(turn_base& base, std::int64_t id, const term& why) {
  // The peer's stream ended. Its readers get the reason as the last data
  // message; the socket stays open for writing while someone holds
  // tcp.data (half-close).
  dturn t(base);
  conn_entry* e = t.state.core->find(id);
  if (!e) return;
  remove_link(t, *e, why);
  t.send(rec("tcp.data", e->conn, why));
  release_if_unheld(t, *e);
}

void closed(turn_base& base, std::int64_t id, const term& why) {
  dturn t(base);
  auto& c = *t.state.core;
  conn_entry* e = c.find(id);
  if (!e) return;
  remove_link(t, *e, why);
  remove_data(t, *e, why);
  if (e->outgoing) {
    if (auto* k = connector_of(c, e->cid); k && k->conn == id) {
      k->conn = 0;
      if (k->io) k->io->retry();  // with reconnect(...) only
    }
  } else if (auto b = c.by_listen.find(e->owner); b != c.by_listen.end()) {
    b->second.erase(id);
    if (b->second.empty()) c.by_listen.erase(b);
  }
  c.conns.erase(id);
}

void log(turn_base& base, log_level level, const std::string& line) {
  dturn t(base);
  t.state.core->log.write(level, line);
}

}  // namespace detail::events

namespace {

// ---- requests from applications ---------------------------------------------------

bool writable(driver_core& c, const term& body, const term& bytes) {
  if (bytes.is_bytes() || bytes.is_string()) return true;
  c.log.ignore(body, "BYTES must be bytes or a string");
  return false;
}

void write_to(driver_core& c, conn_entry& e, const term& bytes, const term& body) {
  if (e.closing) return;  // closing: dropped, as after the close
  const std::size_t n = bytes.is_bytes() ? bytes.as_bytes().size() : bytes.as_string().size();
  if (!encodable(e.frame, n)) {
    c.log.ignore(rec(body.label(), e.conn, fmt::format("<{} bytes>", n)),
             "too long for a 4-byte frame length");
    return;
  }
  e.io->write(bytes);
}

/// CONN must be tcp.conn(N); an unknown N has gone already (not an error).
bool is_conn(driver_core& c, const term& body, const term& conn) {
  if (conn.is_record("tcp.conn", 1) && conn[0].is_int()) return true;
  c.log.ignore(body, "CONN must be tcp.conn(N)");
  return false;
}

void on_write(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  if (!is_conn(c, b, b[0]) || !writable(c, b, b[1])) return;
  // An unknown connection has gone already: nothing to do (not an error).
  if (auto* e = c.find(b[0])) write_to(c, *e, b[1], b);
}

void on_write_many(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  if (!b[0].is_sequence()) return c.log.ignore(b, "want tcp.write_many([CONN, ...], BYTES)");
  if (!writable(c, b, b[1])) return;
  for (const term& k : b[0].items())
    if (!is_conn(c, b, k)) return;
  for (const term& k : b[0].items())
    if (auto* e = c.find(k)) write_to(c, *e, b[1], b);
}

void on_write_all(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  if (!writable(c, b, b[1])) return;
  auto it = c.by_listen.find(b[0]);
  if (it == c.by_listen.end()) return;
  for (std::int64_t id : it->second)
    if (auto e = c.conns.find(id); e != c.conns.end()) write_to(c, e->second, b[1], b);
}

void on_close(dturn& t, const message& m) {
  auto& c = *t.state.core;
  if (!is_conn(c, m.body(), m.body()[0])) return;
  if (auto* e = c.find(m.body()[0])) close_conn(t, *e);
}

std::vector<std::int64_t> stats_figures(dturn& t) {
  auto& c = *t.state.core;
  return {static_cast<std::int64_t>(c.lids.size()), static_cast<std::int64_t>(c.conns.size()),
          c.io->open_sockets.load(), c.io->buffered_in.load(), c.io->queued_out.load(),
          c.log.ignored()};
}

driver_core::~driver_core() {
  // The actor stopped (ground shutdown, or stopped by hand): no event will
  // reach it again. Close everything; connections drain in the background,
  // held by their own handlers, each within the drain timeout. Nothing
  // waits here: the VM may run on the very I/O thread the drains need. The
  // ground lets its io_context run out of such work before it exits.
  try {
    auto unclaimed = io->stop();
    for (auto& [k, l] : listens)
      if (l.io) l.io->close();
    for (auto& [k, n] : connects)
      if (n.io) n.io->close();
    for (auto& [id, e] : conns) e.io->close();
    for (auto& u : unclaimed) u->close();
  } catch (...) {  // out of memory while posting: the io_context's end frees the rest
  }
  listens.clear();
  connects.clear();
  conns.clear();
}

}  // namespace

actor_spec driver(io_port& port, driver_options options) {
  auto a = driver_actor<driver_core>(port, std::move(options));
  // Interest in listening and connecting. Observers: they see the
  // applications' (participant) subscriptions without being seen by them,
  // and monitors or taps (observers themselves) open nothing.
  a.publish(rec("tcp.accepted", _, _, _),
            {.on_presence = on_listen_interest, .on_absence = on_listen_interest_gone},
            interest::observer);
  a.publish(rec("tcp.connected", _, _),
            {.on_presence = on_connect_interest, .on_absence = on_connect_interest_gone},
            interest::observer);
  serve_request(a, {"tcp.write", 2, "tcp.write(CONN, BYTES)"}, on_write);
  serve_request(a, {"tcp.write_many", 2, "tcp.write_many([CONN, ...], BYTES)"}, on_write_many);
  serve_request(a, {"tcp.write_all", 2, "tcp.write_all(LISTEN, BYTES)"}, on_write_all);
  serve_request(a, {"tcp.close", 1, "tcp.close(CONN)"}, on_close);
  serve_stats(a, "tcp", stats_figures);
  return a;
}

}  // namespace agora::tcp
