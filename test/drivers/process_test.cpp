// The process driver with real processes (/bin/sh scripts and coreutils),
// driven through a deterministic agora::vm and a pump_port. Time only
// appears as generous upper bounds (and, for the grace, as a lower bound).
//
// Orphans here are re-parented to a PID 1 that may not reap them (a
// container's init often does not): a process group counts as gone when
// kill(-pgid, 0) fails with ESRCH or when all that is left of it is
// zombies.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agora/drivers/process.hpp"
#include "agora/drivers/pump_port.hpp"
#include "agora/ground.hpp"
#include "agora/vm.hpp"
#include "fixture.hpp"

using namespace agora;
using namespace std::chrono_literals;
using sclock = std::chrono::steady_clock;

namespace {

// ---- the machine's side ------------------------------------------------------------

/// Fields of /proc/PID/stat after the command name: state, ppid, pgrp.
struct proc_stat {
  char state = '?';
  long ppid = 0, pgrp = 0;
};

std::optional<proc_stat> stat_of(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  proc_stat s;
  rest >> s.state >> s.ppid >> s.pgrp;
  return s;
}

std::vector<long> all_pids() {
  std::vector<long> out;
  if (DIR* d = opendir("/proc")) {
    while (auto* e = readdir(d)) {
      char* end = nullptr;
      const long pid = std::strtol(e->d_name, &end, 10);
      if (end && *end == '\0' && pid > 0) out.push_back(pid);
    }
    closedir(d);
  }
  return out;
}

/// No process of group `pgid` is alive (zombies do not count).
bool group_gone(long pgid) {
  if (::kill(static_cast<pid_t>(-pgid), 0) != 0 && errno == ESRCH) return true;
  for (long pid : all_pids())
    if (auto s = stat_of(pid); s && s->pgrp == pgid && s->state != 'Z' && s->state != 'X') return false;
  return true;
}

bool pid_gone(long pid) {
  auto s = stat_of(pid);
  return !s || s->state == 'Z' || s->state == 'X';
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = sclock::now() + timeout;
  while (!done()) {
    if (sclock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// Zombie children of this process (left unreaped).
std::vector<long> my_zombies() {
  std::vector<long> out;
  for (long pid : all_pids())
    if (auto s = stat_of(pid); s && s->ppid == ::getpid() && s->state == 'Z') out.push_back(pid);
  return out;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (auto* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n - 1;  // the directory's own
}

// ---- commands -----------------------------------------------------------------------

process::command sh(std::string script) {
  process::command c;
  c.argv = {"/bin/sh", "-c", std::move(script)};
  c.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  c.grace = 1000ms;
  return c;
}

// ---- the VM side ----------------------------------------------------------------------

/// What one run() saw.
struct seen {
  std::string out, err;
  std::vector<std::string> order;  // "out", "err", "exit: REASON"
  std::optional<std::string> exit;
  process::handle h;
  std::size_t chunks = 0;
};

/// An actor that runs `c` as `id` with run() and records into s.
actor_spec runner(seen& s, term id, process::command c, std::size_t window = process::default_window) {
  return actor<seen*>{&s, "runner"}.on_start([id, c, window](turn<seen*>& t) {
    t.state->h = process::run(
        t, id, c,
        [](turn<seen*>& t, process::stream st, std::string_view bytes) {
          (st == process::stream::out ? t.state->out : t.state->err).append(bytes);
          ++t.state->chunks;
          if (t.state->order.empty() || t.state->order.back() != (st == process::stream::out ? "out" : "err"))
            t.state->order.push_back(st == process::stream::out ? "out" : "err");
        },
        [](turn<seen*>& t, const reason& why) {
          t.state->exit = why.to_string();
          t.state->order.push_back("exit: " + why.to_string());
        },
        window);
  });
}

struct fixture : test::driver_fixture<process::driver_options> {
  explicit fixture(process::driver_options o = {}) : driver_fixture(process::driver, std::move(o)) {}

  process::stats stats() {
    return stats_by<process::stats>(
        [](auto& t, term id, auto f) { return process::query_stats(t, std::move(id), std::move(f)); });
  }

  actor_id run(seen& s, term id, process::command c, std::size_t window = process::default_window) {
    return v.spawn(runner(s, std::move(id), std::move(c), window));
  }

  bool until_exit(seen& s, std::chrono::milliseconds timeout = 20s) {
    return pump_until([&] { return s.exit.has_value(); }, timeout);
  }

  /// Runs f as a turn of actor `who` (writes, stops, ...).
  void act(actor_id who, std::function<void(turn_base&)> f) {
    v.post(who, std::move(f));
    v.run();
  }
};

/// The first line of s, as a number (the scripts echo $$ or $! first).
long first_number(const std::string& s) { return std::stol(s.substr(0, s.find('\n'))); }

}  // namespace

// ---- exits --------------------------------------------------------------------------------

TEST_CASE("process: exit codes, stdout and stderr apart") {
  fixture f;
  seen ok, three;
  f.run(ok, sym("ok"), sh("echo hello"));
  f.run(three, sym("three"), sh("echo out; echo err >&2; exit 3"));
  REQUIRE(f.until_exit(ok));
  REQUIRE(f.until_exit(three));
  CHECK(*ok.exit == "exited(0)");
  CHECK(ok.out == "hello\n");
  CHECK(ok.err.empty());
  CHECK(*three.exit == "exited(3)");
  CHECK(three.out == "out\n");
  CHECK(three.err == "err\n");
  CHECK(three.order.back() == "exit: exited(3)");
  auto st = f.stats();
  CHECK(st.running == 0);
  CHECK(st.started == 2);
  CHECK(st.exited == 2);
  CHECK(st.killed == 0);
  CHECK(my_zombies().empty());
}

TEST_CASE("process: a process that kills itself with SIGKILL ends with killed(9)") {
  fixture f;
  seen s;
  f.run(s, sym("k"), sh("echo before; kill -9 $$; echo after"));
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "killed(9)");
  CHECK(s.out == "before\n");
  CHECK(process::signal_of(reason(rec("killed", 9))) == 9);
  CHECK(f.stats().killed == 1);
}

TEST_CASE("process: several MiB of stdout and stderr through a small window, every byte in order") {
  fixture f;
  seen s;
  f.run(s, sym("big"), sh("seq 1 300000 >&2 & seq 1 700000; wait"), 4);
  REQUIRE(f.until_exit(s, 60s));
  CHECK(*s.exit == "exited(0)");
  std::string want_out, want_err;
  for (int i = 1; i <= 700000; ++i) want_out += std::to_string(i) + "\n";
  for (int i = 1; i <= 300000; ++i) want_err += std::to_string(i) + "\n";
  CHECK(s.out.size() == want_out.size());
  CHECK(s.out == want_out);
  CHECK(s.err == want_err);
  CHECK(s.order.back() == "exit: exited(0)");
}

// ---- credit ---------------------------------------------------------------------------------

namespace {
/// The raw protocol: output by hand, credit only when told.
struct raw {
  std::vector<term> messages;  // process.output(...) in order
  std::vector<std::string> events;  // "+ process", "- REASON", "out", "eof stdout", ...
  std::string out;
};
}  // namespace

TEST_CASE("process: without credit the driver does not read, and the producer blocks") {
  fixture f;
  raw r;
  const term id = sym("yes");
  const term cmd = sh("echo $$; exec yes").to_term();
  auto owner = f.v.spawn(actor<raw*>{&r, "owner"}.on_start([id, cmd](turn<raw*>& t) {
    t.subscribe(process::output_topic(id),
                {.on_presence = [](turn<raw*>& t, const presence& p) {
                   // Two messages of stdout, and no more until told.
                   t.feedback(rec("process.output", p.flow()[0], sym("stdout"), rec("credit", 2)));
                 },
                 .on_message = [](turn<raw*>& t, const message& m) {
                   t.state->messages.push_back(m.body());
                   if (m.body()[2].is_bytes()) t.state->out.append(m.body()[2].as_bytes());
                 }});
    t.subscribe(process::topic(id, cmd));
  }));
  REQUIRE(f.pump_until([&] { return r.messages.size() == 2; }));
  f.port.pump_for(f.v, 300ms);
  CHECK(r.messages.size() == 2);  // credit 2: two reads, whatever yes writes
  const long pid = first_number(r.out);
  // yes is blocked on its write: what it wrote stays put (the pipe is full).
  auto written = [pid] {
    std::ifstream io("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    long long v = -1;
    while (io >> key >> v)
      if (key == "wchar:") return v;
    return -1LL;
  };
  const long long w1 = written();
  std::this_thread::sleep_for(100ms);
  const long long w2 = written();
  if (w1 >= 0) {
    CHECK(w1 == w2);
    CHECK(w1 <= 4 * 65536 + 8192);  // two chunks read, a pipe's worth, a stdio buffer
  } else {
    MESSAGE("/proc/PID/io is not readable here: the blocking is not checked");
  }
  CHECK(stat_of(pid)->state == 'S');
  // More credit: it goes on.
  f.act(owner, [id](turn_base& t) { process::grant(t, id, process::stream::out, 100); });
  REQUIRE(f.pump_until([&] { return r.messages.size() == 102; }));
  f.port.pump_for(f.v, 100ms);
  CHECK(r.messages.size() == 102);
  f.v.stop(owner);
  f.v.run();
  CHECK(wait_for([&] { return group_gone(pid); }));
}

// ---- stdin ----------------------------------------------------------------------------------

TEST_CASE("process: stdin — cat echoes what is written, eof ends it") {
  fixture f;
  seen s;
  auto a = f.run(s, sym("cat"), process::command{.argv = {"cat"}, .env = {}});
  f.act(a, [](turn_base& t) {
    process::write(t, sym("cat"), "hello ");
    t.at_ground().send(rec("process.input", sym("cat"), "world"));  // a string term works too
  });
  REQUIRE(f.pump_until([&] { return s.out == "hello world"; }));
  CHECK_FALSE(s.exit.has_value());  // stdin stays open
  f.act(a, [](turn_base& t) { process::close_input(t, sym("cat")); });
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "exited(0)");
  CHECK(s.out == "hello world");
}

TEST_CASE("process: more than input_limit queued for a process that does not read: too_slow(stdin)") {
  fixture f({.input_limit = 4096});
  seen s;
  auto a = f.run(s, sym("slow"), sh("echo $$; exec sleep 100"));
  REQUIRE(f.pump_until([&] { return !s.out.empty(); }));
  const long pid = first_number(s.out);
  // The pipe takes its 64 KiB first; then the queue grows past the limit.
  f.act(a, [](turn_base& t) {
    const std::string kb(1024, 'x');
    for (int i = 0; i < 200; ++i) process::write(t, sym("slow"), kb);
  });
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "too_slow(\"stdin\")");
  CHECK(wait_for([&] { return group_gone(pid); }));
}

// ---- time and limits ---------------------------------------------------------------------------

TEST_CASE("process: TIMEOUT_MS passed: the group is ended and the reason is timeout") {
  fixture f;
  seen s;
  auto c = sh("echo $$; sleep 100");
  c.timeout = 200ms;
  f.run(s, sym("t"), c);
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "timeout");
  CHECK(wait_for([&] { return group_gone(first_number(s.out)); }));
}

TEST_CASE("process: GRACE_MS — a script trapping SIGTERM gets SIGKILL after the grace, 0 kills at once") {
  fixture f;
  seen graceful, at_once;
  const std::string script = "trap 'echo term' TERM; echo ready; while :; do sleep 0.02; done";
  auto c = sh(script);
  c.timeout = 100ms;
  c.grace = 400ms;
  const auto start = sclock::now();
  f.run(graceful, sym("g"), c);
  auto k = sh(script);
  k.timeout = 100ms;
  k.grace = 0ms;
  f.run(at_once, sym("k"), k);
  REQUIRE(f.until_exit(graceful));
  REQUIRE(f.until_exit(at_once));
  CHECK(*graceful.exit == "timeout");
  CHECK(*at_once.exit == "timeout");
  CHECK(graceful.out.find("term") != std::string::npos);  // SIGTERM came first, and was survived
  CHECK(sclock::now() - start >= 500ms);                   // timeout + grace, at least
  CHECK(at_once.out.find("term") == std::string::npos);
}

TEST_CASE("process: CPU_SECONDS — a busy loop is killed with SIGXCPU (or SIGKILL)") {
  fixture f;
  seen s;
  auto c = sh("while :; do :; done");
  c.cpu_seconds = 1;
  f.run(s, sym("cpu"), c);
  REQUIRE(f.until_exit(s, 30s));
  CHECK((*s.exit == "killed(24)" || *s.exit == "killed(9)"));
}

TEST_CASE("process: OPEN_FILES — a script that opens more than the limit fails") {
  fixture f;
  seen limited, free;
  // `read go` waits for a line on stdin, written after presence: by then
  // the limits are set (they come just after the spawn).
  const std::string script =
      "read go; ulimit -n; exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null; echo survived";
  auto c = sh(script);
  c.open_files = 5;
  auto a = f.run(limited, sym("nofile"), c);
  auto b = f.run(free, sym("free"), sh(script));
  f.act(a, [](turn_base& t) { process::write(t, sym("nofile"), "go\n"); });
  f.act(b, [](turn_base& t) { process::write(t, sym("free"), "go\n"); });
  REQUIRE(f.until_exit(limited));
  REQUIRE(f.until_exit(free));
  CHECK(limited.out == "5\n");
  CHECK(*limited.exit != "exited(0)");
  CHECK_FALSE(limited.err.empty());
  CHECK(free.out.find("survived") != std::string::npos);
  CHECK(*free.exit == "exited(0)");
}

TEST_CASE("process: ADDRESS_SPACE_BYTES — allocating more than the limit fails") {
  fixture f;
  seen limited, free;
  const std::string script =
      "read go; x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived ${#x}";
  auto c = sh(script);
  c.address_space = 64ll << 20;
  auto a = f.run(limited, sym("as"), c);
  auto b = f.run(free, sym("free"), sh(script));
  f.act(a, [](turn_base& t) { process::write(t, sym("as"), "go\n"); });
  f.act(b, [](turn_base& t) { process::write(t, sym("free"), "go\n"); });
  REQUIRE(f.until_exit(limited, 30s));
  REQUIRE(f.until_exit(free, 30s));
  CHECK(limited.out.find("survived 100000000") == std::string::npos);
  CHECK(*limited.exit != "exited(0)");
  CHECK(free.out == "survived 100000000\n");
}

// ---- interest and groups ------------------------------------------------------------------------

TEST_CASE("process: interest gone — the whole group, a backgrounded grandchild too, is ended") {
  fixture f;
  seen s;
  auto a = f.run(s, sym("bg"), sh("sleep 100 & echo $$ $!; wait"));
  REQUIRE(f.pump_until([&] { return s.out.find('\n') != std::string::npos; }));
  std::istringstream in(s.out);
  long pgid = 0, grandchild = 0;
  in >> pgid >> grandchild;
  REQUIRE(stat_of(grandchild).has_value());
  CHECK(stat_of(grandchild)->pgrp == pgid);
  f.act(a, [](turn_base& t) { process::stop(t, t.state_as<seen*>()->h); });
  CHECK(wait_for([&] { return group_gone(pgid); }));
  CHECK(pid_gone(grandchild));
  REQUIRE(f.pump_until([&] { return f.stats().running == 0; }));
  CHECK_FALSE(s.exit.has_value());  // nobody is told
  CHECK(my_zombies().empty());
}

TEST_CASE("process: children that outlive the main process are killed, so the eofs come") {
  fixture f;
  seen s;
  f.run(s, sym("orphans"), sh("sleep 100 & echo $!; exit 0"));
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "exited(0)");
  CHECK(wait_for([&] { return pid_gone(first_number(s.out)); }));
}

TEST_CASE("process: an owner that crashes ends its process") {
  fixture f;
  seen s;
  auto a = f.v.spawn(actor<seen*>{&s, "crasher"}
                         .on_start([](turn<seen*>& t) {
                           t.state->h = process::run(
                               t, sym("c"), sh("echo $$; sleep 100"),
                               [](turn<seen*>& t, process::stream, std::string_view b) { t.state->out.append(b); },
                               [](turn<seen*>& t, const reason& why) { t.state->exit = why.to_string(); });
                         })
                         .on_message(sym("boom"), [](turn<seen*>&, const message&) -> void {
                           throw std::runtime_error("boom");
                         }));
  (void)a;
  REQUIRE(f.pump_until([&] { return !s.out.empty(); }));
  const long pid = first_number(s.out);
  f.v.send(sym("boom"));
  f.v.run();
  CHECK(wait_for([&] { return group_gone(pid); }));
  REQUIRE(f.pump_until([&] { return f.stats().running == 0; }));
}

// ---- failures and refusals --------------------------------------------------------------------------

TEST_CASE("process: a program that cannot be spawned — presence, then absence failed(...)") {
  fixture f;
  std::vector<std::string> events;
  const term missing = process::command{.argv = {"/nope"}}.to_term();
  const term unknown = process::command{.argv = {"no-such-program-agora"}}.to_term();
  const term bad_dir = process::command{.argv = {"/bin/true"}, .dir = "/no/such/dir"}.to_term();
  f.v.spawn(actor<std::vector<std::string>*>{&events}.on_start([=](auto& t) {
    for (const term& c : {missing, unknown, bad_dir})
      t.subscribe(process::topic(c[0][0], c),
                  {.on_presence = [](auto& t, const presence& p) {
                     t.state->push_back("+ " + p.flow()[0].to_string());
                   },
                   .on_absence = [](auto& t, const absence& a) {
                     t.state->push_back("- " + a.flow()[0].to_string() + " " + a.why.to_string());
                   }});
  }));
  REQUIRE(f.pump_until([&] { return events.size() == 6; }));
  std::map<std::string, std::vector<std::string>> by;
  for (auto& e : events) by[e.substr(2, e.find(' ', 2) - 2)].push_back(e);
  CHECK(by["\"/nope\""] ==
        std::vector<std::string>{"+ \"/nope\"",
                                 "- \"/nope\" failed(\"spawn /nope: No such file or directory\")"});
  CHECK(by["\"no-such-program-agora\""][1] ==
        "- \"no-such-program-agora\" failed(\"spawn no-such-program-agora: No such file or directory\")");
  CHECK(by["\"/bin/true\""][1] == "- \"/bin/true\" failed(\"chdir /no/such/dir: No such file or directory\")");
  CHECK(process::spawn_failure(reason(rec("failed", "x"))) == "x");
  CHECK(f.stats().started == 0);
}

TEST_CASE("process: run() tells on_exit of a spawn failure") {
  fixture f;
  seen s;
  f.run(s, sym("nope"), process::command{.argv = {"/nope"}});
  REQUIRE(f.until_exit(s));
  CHECK(*s.exit == "failed(\"spawn /nope: No such file or directory\")");
}

TEST_CASE("process: malformed requests are logged and ignored, and the driver keeps serving") {
  fixture f;
  const term bad_argv = rec("command", "ls", seq(), "", rec("limits", 0, 0, 0, 0, 0));
  const term bad_arg = rec("command", seq("ls", 3), seq(), "", rec("limits", 0, 0, 0, 0, 0));
  const term bad_env = rec("command", seq("ls"), seq("NOEQUALS"), "", rec("limits", 0, 0, 0, 0, 0));
  const term bad_limit = rec("command", seq("ls"), seq(), "", rec("limits", 0, -1, 0, 0, 0));
  const term bad_shape = rec("command", seq("ls"));
  f.v.spawn(actor<>{}.on_start([=](turn<>& t) {
    for (const term& c : {bad_argv, bad_arg, bad_env, bad_limit, bad_shape})
      t.subscribe(process::topic(sym("m"), c));
    t.send(rec("process.input", sym("m")));                 // wrong arity
    t.send(rec("process.input", sym("m"), 42));              // neither bytes nor eof
    t.feedback(rec("process.output", sym("m"), sym("stdout"), rec("credit", -1)));
  }));
  f.v.run();
  CHECK(f.logged("ARGV must be a sequence of at least one string, got \"ls\""));
  CHECK(f.logged("ARGV[1] must be a string without NUL, got 3"));
  CHECK(f.logged("ENV[0] must be a \"NAME=VALUE\" string, got \"NOEQUALS\""));
  CHECK(f.logged("LIMITS: CPU_SECONDS must be an integer in [0, "));
  CHECK(f.logged("want command(ARGV, ENV, DIR, LIMITS)"));
  CHECK(f.logged("want process.input(ID, BYTES) or process.input(ID, eof)"));
  CHECK(f.logged("want process.input(ID, BYTES) with BYTES bytes or a string"));
  CHECK(f.stats().ignored == 7);
  CHECK(f.stats().started == 0);
  seen s;
  f.run(s, sym("fine"), sh("echo fine"));
  REQUIRE(f.until_exit(s));
  CHECK(s.out == "fine\n");
}

TEST_CASE("process: the same ID with another COMMAND is refused, max_processes is enforced") {
  fixture f({.max_processes = 2});
  seen a, b, same_id, third;
  f.run(a, sym("a"), sh("echo $$; sleep 100"));
  f.run(same_id, sym("a"), sh("echo other; sleep 100"));
  REQUIRE(f.pump_until([&] { return !a.out.empty(); }));
  CHECK(f.logged("process a runs already, with another COMMAND"));
  f.run(b, sym("b"), sh("echo $$; sleep 100"));
  REQUIRE(f.pump_until([&] { return !b.out.empty(); }));
  f.run(third, sym("c"), sh("echo never"));
  REQUIRE(f.until_exit(third));
  CHECK(*third.exit == "failed(\"too many processes\")");
  CHECK(f.logged("too many processes (max_processes 2)"));
  // Output is keyed by ID alone: the refused owner hears a's (its
  // process(ID, COMMAND) never appears).
  CHECK(same_id.out == a.out);
  CHECK_FALSE(same_id.exit.has_value());
  CHECK(f.stats().running == 2);
}

TEST_CASE("process: 50 processes at once") {
  fixture f;
  std::vector<seen> s(50);
  for (int i = 0; i < 50; ++i) f.run(s[i], rec("job", i), sh("echo " + std::to_string(i)));
  REQUIRE(f.pump_until([&] {
    for (auto& x : s)
      if (!x.exit) return false;
    return true;
  }, 60s));
  for (int i = 0; i < 50; ++i) {
    CHECK(s[i].out == std::to_string(i) + "\n");
    CHECK(*s[i].exit == "exited(0)");
  }
  CHECK(f.stats().started == 50);
  CHECK(my_zombies().empty());
}

// ---- hygiene ----------------------------------------------------------------------------------

TEST_CASE("process: no descriptor leaks, and the child sees only 0, 1 and 2") {
  const std::size_t before = open_descriptors();
  {
    fixture f;
    seen s;
    f.run(s, sym("ls"), process::command{.argv = {"ls", "/proc/self/fd"}, .env = {}});
    REQUIRE(f.until_exit(s));
    CHECK(*s.exit == "exited(0)");
    // ls's own directory descriptor is the 3.
    CHECK(s.out == "0\n1\n2\n3\n");
    REQUIRE(f.pump_until([&] { return f.stats().running == 0; }));
  }
  CHECK(open_descriptors() == before);
  CHECK(my_zombies().empty());
  // This process has no child left at all (the suite spawns no other).
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("process: when the driver stops, every group is ended within the stop grace and reaped") {
  std::vector<long> groups;
  {
    fixture f({.stop_grace = 200ms});
    std::vector<seen> s(3);
    for (int i = 0; i < 3; ++i) {
      auto c = sh("trap '' TERM; echo $$; sleep 100");
      c.grace = 60s;
      f.run(s[i], rec("stay", i), c);
    }
    REQUIRE(f.pump_until([&] {
      for (auto& x : s)
        if (x.out.empty()) return false;
      return true;
    }));
    for (auto& x : s) groups.push_back(first_number(x.out));
    f.v.stop(f.driver);
    f.v.run();
    CHECK(wait_for([&] {
      for (long g : groups)
        if (!group_gone(g)) return false;
      return true;
    }));
  }
  CHECK(my_zombies().empty());
}

TEST_CASE("process: the raw protocol, without the helpers") {
  fixture f;
  raw r;
  const term id = rec("raw", 1);
  const term cmd = rec("command", seq("/bin/sh", "-c", "cat; echo done >&2; exit 4"), seq("A=1"), "/",
                       rec("limits", 10000, 0, 0, 0, 500));
  auto owner = f.v.spawn(actor<raw*>{&r, "raw"}.on_start([id, cmd](turn<raw*>& t) {
    t.subscribe(rec("process.output", id, _, _),
                {.on_presence = [](turn<raw*>& t, const presence& p) {
                   t.state->events.push_back("+ output");
                   for (const char* s : {"stdout", "stderr"})
                     t.feedback(rec("process.output", p.flow()[0], sym(s), rec("credit", 10)));
                 },
                 .on_message = [](turn<raw*>& t, const message& m) {
                   const term& b = m.body();
                   t.state->messages.push_back(b);
                   if (b[2].is_bytes())
                     t.state->events.push_back(std::string(b[1].as_symbol()) + " " + std::string(b[2].as_bytes()));
                   else
                     t.state->events.push_back(std::string(b[1].as_symbol()) + " " + b[2].to_string());
                 }});
    t.subscribe(rec("process", id, cmd),
                {.on_presence = [](turn<raw*>& t, const presence& p) {
                   t.state->events.push_back("+ process");
                   t.send(rec("process.input", p.flow()[0], term::bytes("in\n")));
                   t.send(rec("process.input", p.flow()[0], sym("eof")));
                 },
                 .on_absence = [](turn<raw*>& t, const absence& a) {
                   t.state->events.push_back("- process " + a.why.to_string());
                 }});
  }));
  (void)owner;
  REQUIRE(f.pump_until([&] { return !r.events.empty() && r.events.back().rfind("- process", 0) == 0; }));
  // Presence of both, then the data and both eofs (stdout's and stderr's
  // relative order is the processes'), then the absence, last.
  REQUIRE(r.events.size() == 7);
  CHECK(std::set<std::string>(r.events.begin(), r.events.begin() + 2) ==
        std::set<std::string>{"+ output", "+ process"});
  const std::set<std::string> middle(r.events.begin() + 2, r.events.begin() + 6);
  CHECK(middle == std::set<std::string>{"stdout in\n", "stdout eof", "stderr done\n", "stderr eof"});
  const auto pos = [&](const std::string& e) { return std::find(r.events.begin(), r.events.end(), e); };
  CHECK(pos("stdout in\n") < pos("stdout eof"));
  CHECK(pos("stderr done\n") < pos("stderr eof"));
  CHECK(r.events.back() == "- process exited(4)");
  CHECK(r.messages[0].is_record("process.output", 3));
}

TEST_CASE("process: run() from a nested VM") {
  fixture f;
  seen s;
  f.v.spawn(nested_vm("jobs", {runner(s, sym("nested"), sh("echo from below"))}));
  REQUIRE(f.until_exit(s));
  CHECK(s.out == "from below\n");
  CHECK(*s.exit == "exited(0)");
}

TEST_CASE("process: command terms read back, the environment helper") {
  process::command c{.argv = {"a", "b"}, .env = {"X=1"}, .dir = "/tmp", .timeout = 5ms,
                     .cpu_seconds = 2, .address_space = 3, .open_files = 4, .grace = 6ms};
  auto back = process::read_command(c.to_term());
  REQUIRE(back);
  CHECK(*back.value == c);
  CHECK(c.to_term().to_string() ==
        "command([\"a\", \"b\"], [\"X=1\"], \"/tmp\", limits(5, 2, 3, 4, 6))");
  CHECK(process::topic(sym("i"), c) == rec("process", sym("i"), c.to_term()));
  CHECK(process::output_topic(sym("i")) == rec("process.output", sym("i"), _, _));
  auto env = process::inherited_environment();
  CHECK_FALSE(env.empty());
  for (auto& e : env) CHECK(e.find('=') != std::string::npos);
}

TEST_CASE("process: under agora::ground, shutdown waits until every group is ended and reaped") {
  long pgid = 0;
  {
    ground g({.threads = 2, .io_threads = 2, .handle_signals = false, .log = {}});
    g.spawn(process::driver(g, {.stop_grace = 200ms}));
    auto c = sh("trap '' TERM; echo $$; sleep 100");
    c.grace = 60s;
    const int code = g.run(actor<long*>{&pgid, "root"}.on_start([c](turn<long*>& t) {
      process::run(
          t, sym("stubborn"), c,
          [](turn<long*>& t, process::stream, std::string_view b) {
            *t.state = std::stol(std::string(b));
            t.quit();  // its process is abandoned with a 60 s grace; the stop cuts it to 200 ms
          },
          [](turn<long*>&, const reason&) {});
    }));
    CHECK(code == 0);
  }
  REQUIRE(pgid > 0);
  CHECK(group_gone(pgid));
  CHECK(my_zombies().empty());
}
