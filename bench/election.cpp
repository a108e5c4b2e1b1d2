// election: how fast agora-node's members agree on a new leader (issue 11).
// Five agora-node processes on 127.0.0.1 with --cluster-size 5 (the majority
// guard on), default settings otherwise; node 5 leads.
//   failover_kill_ms_p50/p99   kill -9 of node 5 -> every survivor has logged
//                              "leader: node 4 (epoch E)" (target p50 <= 50)
//   failover_stop_ms_p50/p99   SIGSTOP of node 5 -> likewise (target p50
//                              <= 1,500; the failure deadline, 1 s of
//                              silence, comes first)
// Between trials, not timed: the killed node is restarted (the stopped one
// resumed with SIGCONT), and the bench waits until all five report node 5
// again — it takes over once it has been back for stable_after (2 s).
// Percentiles by nearest rank over the trials (20 each; --quick: 3).
//
// No baseline runs here. For context (the figures issue 11 cites, default
// settings): Akka's failure detector alone takes about 5.5 s to suspect a
// stopped node, Erlang's net_ticktime about a minute; a leader election on
// top of either comes after that.
#include <signal.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "baseline_figures.hpp"
#include "child_process.hpp"
#include "figure_lines.hpp"
#include "report.hpp"
#include "secret_file.hpp"

namespace agora_bench {

#ifdef AGORA_NODE_BIN
namespace {

using namespace std::chrono_literals;
using agora_apps::child_process;
using bench_ms = std::chrono::milliseconds;

std::string leader_is(int id) { return "leader: node " + std::to_string(id) + " (epoch "; }

/// One agora-node member: its output read line by line, the last leader
/// line it printed remembered.
class member {
 public:
  member(int id, const secret_file& secret, const std::string& seed) : id_(id), child_(args(id, secret, seed)) {
    const auto rest = expect_line(child_, "agora-node " + std::to_string(id), prefix(), 30s);
    address_ = rest.substr(0, rest.find(' '));
  }

  const std::string& address() const noexcept { return address_; }
  void signal(int sig) const { child_.signal(sig); }

  /// Reads lines until one contains `text`; throws after `timeout`.
  void wait_for(const std::string& text, bench_ms timeout) {
    const auto deadline = bench_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<bench_ms>(deadline - bench_clock::now());
      auto line = left > 0ms ? child_.line(left) : std::nullopt;
      if (!line)
        throw std::runtime_error("agora-node " + std::to_string(id_) + " did not print \"" + text + "\" in time");
      note_leader(*line);
      if (line->find(text) != std::string::npos) return;
    }
  }

  /// Reads what it has printed so far, without waiting; whether the last
  /// leader line it printed names node `id`.
  bool reports(int id) {
    while (auto line = child_.line(0ms)) note_leader(*line);
    return last_leader_.find(leader_is(id)) != std::string::npos;
  }

 private:
  std::string prefix() const { return "agora-node " + std::to_string(id_) + " listening on "; }

  static std::vector<std::string> args(int id, const secret_file& secret, const std::string& seed) {
    std::vector<std::string> a{AGORA_NODE_BIN,  "--id",          std::to_string(id), "--listen", "127.0.0.1:0",
                               "--secret-file", secret.path(), "--cluster-size",   "5"};
    if (!seed.empty()) a.insert(a.end(), {"--seed", seed});
    return a;
  }

  void note_leader(const std::string& line) {
    if (line.find(": info: leader: ") != std::string::npos) last_leader_ = line;
  }

  int id_;
  child_process child_;
  std::string address_, last_leader_;
};

class five_members {
 public:
  explicit five_members(const secret_file& secret) : secret_(secret) {
    for (int id = 1; id <= 5; ++id) start(id);
    settle();
  }

  member& operator[](int id) { return *members_.at(static_cast<std::size_t>(id - 1)); }

  /// (Re)starts member `id`, seeded with node 1.
  void start(int id) {
    members_.resize(5);
    auto& slot = members_.at(static_cast<std::size_t>(id - 1));
    slot.reset();  // kills and reaps the old process, if any
    slot = std::make_unique<member>(id, secret_, id == 1 ? "" : (*this)[1].address());
  }

  /// Waits until every member's latest leader line names node 5.
  void settle() {
    for (bool all = false; !all;) {
      all = true;
      for (auto& m : members_)
        if (!m->reports(5)) {
          all = false;
          m->wait_for(leader_is(5), 30s);
        }
    }
  }

  /// Milliseconds from `sig` sent to node 5 until nodes 1-4 have all
  /// reported node 4 (read one after the other: the last one read bounds
  /// the time).
  double failover_ms(int sig) {
    settle();
    const auto t0 = bench_clock::now();
    (*this)[5].signal(sig);
    for (int id = 1; id <= 4; ++id) (*this)[id].wait_for(leader_is(4), 30s);
    return std::chrono::duration<double, std::milli>(bench_clock::now() - t0).count();
  }

 private:
  const secret_file& secret_;
  std::vector<std::unique_ptr<member>> members_;
};

void emit_percentiles(const std::string& what, const std::vector<double>& ms) {
  emit("election", what + "_p50", nearest_rank(ms, 0.50), "ms");
  emit("election", what + "_p99", nearest_rank(ms, 0.99), "ms");
}

}  // namespace

void bench_election(const options& opt) {
  const int trials = opt.quick ? 3 : 20;
  const secret_file secret;
  five_members nodes(secret);

  std::vector<double> kill_ms;
  for (int i = 0; i < trials; ++i) {
    kill_ms.push_back(nodes.failover_ms(SIGKILL));
    nodes.start(5);
  }
  emit_percentiles("failover_kill_ms", kill_ms);

  std::vector<double> stop_ms;
  for (int i = 0; i < trials; ++i) {
    stop_ms.push_back(nodes.failover_ms(SIGSTOP));
    nodes[5].signal(SIGCONT);
  }
  nodes.settle();
  emit_percentiles("failover_stop_ms", stop_ms);

  note("election: {} trials each; targets p50 <= 50 ms after kill -9, <= 1,500 ms after SIGSTOP", trials);
  note("election: for context (no baseline process runs): Akka's failure detector alone takes about 5.5 s by "
       "default to suspect a stopped node, Erlang's net_ticktime about a minute, before any election starts");
}
#else
void bench_election(const options&) {
  note("election: agora-node was not built (AGORA_BUILD_APPS=OFF): no failover times");
}
#endif

}  // namespace agora_bench
