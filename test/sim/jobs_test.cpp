// Jobs in the simulation (issue 12's faults): members run an elector, the
// scheduler, a worker and the process player; a client submits. Checked:
// every part accepted exactly once, the job's end, and that no process of
// the job is left anywhere once it ended.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "agora/sim/process_player.hpp"
#include "agora/sim/simulation.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t client_id = 100;

struct submit_log {
  std::vector<jobs::part_result> results;
  std::optional<jobs::job_end> end;
  std::string why;
  std::map<std::int64_t, int> accepted;     // part → times accepted
  std::map<std::int64_t, int> ok_outcomes;  // part → ok outcomes seen
};

/// How a part goes on a node: (node, part) → played process.
using part_script = std::function<sim::played_process(std::uint64_t node, std::int64_t part)>;

sim::played_process ordinary(std::uint64_t, std::int64_t part) {
  return {.duration = std::chrono::milliseconds(300 + 20 * part), .out = "r" + std::to_string(part * part), .err = {}};
}

struct jobs_fixture {
  explicit jobs_fixture(std::uint64_t seed, std::size_t n = 3, part_script script = ordinary,
                        std::int64_t slots = 2, std::map<std::string, std::string> interpreters = {{"sh", "/bin/sh"}})
      : s({.seed = seed}) {
    for (std::uint64_t id = 1; id <= n; ++id)
      s.add_node(
          id,
          [this, n, script, slots, interpreters](sim::node_context& ctx) {
            election::config c;
            c.id = ctx.id;
            c.incarnation = ctx.incarnation;
            c.cluster_size = n;
            ctx.ground.spawn(election::elector(c));
            ctx.ground.spawn(sim::process_player(
                ctx, {.script = [node = ctx.id, script](const std::vector<std::string>&,
                                                         const std::vector<std::string>& env) {
                        return script(node, std::stoll(sim::env_value(env, "AGORA_PART")));
                      },
                      .live = &live[ctx.id]}));
            ctx.ground.spawn(jobs::scheduler({.node = ctx.id}));
            ctx.ground.spawn(jobs::worker({.node = ctx.id, .slots = slots, .interpreters = interpreters}));
          },
          [n](cluster::node_config& c) {
            c.seeds.clear();
            for (std::uint64_t other = 1; other <= n; ++other)
              if (other != c.id) c.seeds.push_back(sim::simulation::address_of(other));
          });
    s.run_for(2s);  // linked, a leader elected
  }

  void submit(jobs::job_spec spec, std::uint64_t via = 1) {
    s.add_client(client_id, via, [this, spec](sim::node_context& ctx) {
      ctx.ground.spawn(jobs::submission(
          spec, ctx.id,
          {.on_result =
               [this](const jobs::part_result& r) {
                 log.results.push_back(r);
                 ++log.accepted[r.part];
               },
           .on_end =
               [this](jobs::job_end e, const std::string& why) {
                 log.end = e;
                 log.why = why;
               }}));
      // Every ok outcome that reached the submitter, duplicates included.
      ctx.ground.spawn(actor<>{}.on_start([this](turn<>& t) {
        t.at_cluster().subscribe(rec("part_outcome", _, _, _, _, rec("ok", _)),
                                 {.on_presence = [this](turn<>&, const presence& p) {
                                   ++log.ok_outcomes[p.flow()[1].as_int()];
                                 }},
                                 interest::observer);
      }));
    });
  }

  bool ended() const { return log.end.has_value(); }
  std::size_t processes_left() const {
    std::size_t k = 0;
    for (auto& [node, m] : live) k += m.size();
    return k;
  }
  /// Every part accepted exactly once, with its own result.
  void check_results(std::int64_t parts) const {
    CHECK(log.results.size() == static_cast<std::size_t>(parts));
    for (std::int64_t p = 0; p < parts; ++p) {
      INFO("part ", p);
      CHECK(log.accepted.count(p) == 1);
      if (auto it = log.accepted.find(p); it != log.accepted.end()) CHECK(it->second == 1);
    }
    for (const auto& r : log.results) CHECK(r.result == "r" + std::to_string(r.part * r.part));
  }

  sim::simulation s;
  std::map<std::uint64_t, std::map<term, std::vector<std::string>>> live;
  submit_log log;
};

jobs::job_spec spec_of(std::int64_t parts, std::string id = "job-1") {
  jobs::job_spec j;
  j.id = std::move(id);
  j.interpreter = "sh";
  j.script = "echo hello";
  j.parts = parts;
  return j;
}

}  // namespace

TEST_CASE("jobs: a job's parts run across the members and each result is accepted once") {
  jobs_fixture f(1);
  f.submit(spec_of(12));
  REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
  CHECK(*f.log.end == jobs::job_end::done);
  f.check_results(12);
  std::set<std::uint64_t> nodes;
  for (const auto& r : f.log.results) nodes.insert(r.node);
  CHECK(nodes.size() == 3);  // the leader runs parts too
  f.s.run_for(100ms);
  CHECK(f.processes_left() == 0);
}

TEST_CASE("jobs: a worker killed mid-part: its parts are reassigned") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    jobs_fixture f(seed);
    f.submit(spec_of(12));
    f.s.run_for(150ms);  // parts are running everywhere
    f.s.crash(2);
    REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
    CHECK(*f.log.end == jobs::job_end::done);
    f.check_results(12);
  }
}

TEST_CASE("jobs: the leader killed mid-job: the new leader finishes it from presence alone") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    jobs_fixture f(seed);
    f.submit(spec_of(20), 1);
    f.s.run_for(500ms);
    f.s.crash(3);  // the highest id leads
    REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
    CHECK(*f.log.end == jobs::job_end::done);
    f.check_results(20);
  }
}

TEST_CASE("jobs: a worker paused past the deadline: its late result is not accepted twice") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    jobs_fixture f(seed);
    f.submit(spec_of(12));
    f.s.run_for(150ms);
    f.s.pause(1);
    f.s.run_for(3s);
    f.s.resume(1);
    REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
    CHECK(*f.log.end == jobs::job_end::done);
    f.check_results(12);
  }
}

TEST_CASE("jobs: the submitter killed: the job's processes are gone everywhere") {
  jobs_fixture f(3);
  f.submit(spec_of(12));
  f.s.run_for(500ms);  // the leader holds a new job for its settle time, then assigns
  CHECK(f.processes_left() > 0);
  f.s.crash(client_id);
  f.s.run_for(200ms);
  CHECK(f.processes_left() == 0);
  CHECK_FALSE(f.ended());
}

TEST_CASE("jobs: a part that always fails ends the job after max_attempts, tried on other nodes") {
  jobs_fixture f(4, 3, [](std::uint64_t, std::int64_t part) {
    sim::played_process p = ordinary(0, part);
    if (part == 3) {
      p.exit = rec("exited", 7);
      p.err = "trying\nno luck\n";
    }
    return p;
  });
  f.submit(spec_of(6));
  REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
  CHECK(*f.log.end == jobs::job_end::failed);
  CHECK(f.log.why.find("part 3 failed 3 time(s)") != std::string::npos);
  CHECK(f.log.why.find("exited(7)") != std::string::npos);
  CHECK(f.log.why.find("no luck") != std::string::npos);
  f.s.run_for(100ms);
  CHECK(f.processes_left() == 0);
}

TEST_CASE("jobs: an interpreter no node allows is refused") {
  jobs_fixture f(5);
  auto spec = spec_of(2);
  spec.interpreter = "python3";
  f.submit(spec);
  REQUIRE(f.s.run_until([&] { return f.ended(); }, 10s));
  CHECK(*f.log.end == jobs::job_end::refused);
  CHECK(f.log.why.find("interpreter python3 is not allowed on any node (allowed: sh on 1,2,3)") != std::string::npos);
}

TEST_CASE("jobs: job_cancel ends the job and its processes everywhere") {
  jobs_fixture f(6);
  f.submit(spec_of(12));
  f.s.run_for(500ms);  // the leader holds a new job for its settle time, then assigns
  CHECK(f.processes_left() > 0);
  f.s.ground(2).spawn(actor<>{}.on_start([](turn<>& t) { t.at_cluster().send(jobs::cancel_message("job-1")); }));
  f.s.run_for(300ms);
  REQUIRE(f.ended());
  CHECK(*f.log.end == jobs::job_end::cancelled);
  CHECK(f.processes_left() == 0);
}

TEST_CASE("jobs: a worker cut off from the leader only: its parts are reassigned, each result accepted once") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    jobs_fixture f(seed, 3, [](std::uint64_t node, std::int64_t part) {
      auto p = ordinary(node, part);
      // Node 1's parts still run when the leader gives up on node 1 (after
      // the 1 s deadline), and end about when their second attempts do.
      if (node == 1) p.duration = 1400ms;
      return p;
    });
    f.submit(spec_of(12));
    f.s.run_for(150ms);
    f.s.cut(1, 3);
    f.s.cut(3, 1);
    REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
    CHECK(*f.log.end == jobs::job_end::done);
    f.check_results(12);
    f.s.heal();
    f.s.run_for(2s);
    CHECK(f.processes_left() == 0);
  }
}

TEST_CASE("jobs: the submitter accepts the first ok outcome of a part and no later one") {
  // Workers played by hand: two ok outcomes of part 0 (attempts 1 and 2 on
  // nodes 1 and 2), a failed one of part 1, then an ok one.
  jobs_fixture f(8, 2, ordinary, 0);  // no slots: the workers run nothing
  f.submit(spec_of(2));
  f.s.run_for(500ms);
  auto outcome = [](std::int64_t part, std::int64_t attempt, std::int64_t node, term o) {
    return rec("part_outcome", "job-1", part, attempt, node, std::move(o));
  };
  f.s.ground(1).spawn(actor<>{}.on_start([&](turn<>& t) {
    t.at_cluster().publish(outcome(0, 1, 1, rec("ok", term::bytes("r0"))));
    t.at_cluster().publish(outcome(1, 1, 1, rec("failed", rec("exited", 1), "oops\n")));
  }));
  f.s.run_for(100ms);
  f.s.ground(2).spawn(actor<>{}.on_start([&](turn<>& t) {
    t.at_cluster().publish(outcome(0, 2, 2, rec("ok", term::bytes("other"))));
    t.at_cluster().publish(outcome(1, 2, 2, rec("ok", term::bytes("r1"))));
  }));
  REQUIRE(f.s.run_until([&] { return f.ended(); }, 5s));
  CHECK(*f.log.end == jobs::job_end::done);
  f.check_results(2);
  REQUIRE(f.log.ok_outcomes.count(0) == 1);
  CHECK(f.log.ok_outcomes[0] == 2);  // both reached the submitter; one was accepted
  for (const auto& r : f.log.results)
    if (r.part == 0) CHECK(r.node == 1);
}

TEST_CASE("jobs: a submitter partitioned from the leader for a while: its job finishes after the heal") {
  // Over the partition the leader loses the job (and its ledger) and sees
  // it again at the heal: it must plan from the records that come back
  // with it, not from scratch, and no assignment may stay unanswered.
  int finished = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    jobs_fixture f(seed, 3, [](std::uint64_t node, std::int64_t part) {
      auto p = ordinary(node, part);
      if ((part + static_cast<std::int64_t>(node)) % 3 == 0) {
        p.exit = rec("exited", 3);
        p.out.clear();
      }
      return p;
    });
    auto spec = spec_of(12);
    spec.max_attempts = 3;
    f.submit(spec);
    f.s.run_for(700ms);
    f.s.partition({{1, client_id}, {2, 3}});
    f.s.run_for(2500ms);
    f.s.heal();
    REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
    finished += *f.log.end == jobs::job_end::done;
    for (const auto& [part, n] : f.log.accepted) CHECK(n == 1);
    f.s.run_for(1s);
    CHECK(f.processes_left() == 0);
  }
  CHECK(finished > 0);
}

TEST_CASE("jobs: a record slower to reach the leader than the worker's withdrawal does not make the part run twice") {
  // The submitter's link to the leader is slow: the leader sees a worker
  // withdraw part_running (its outcome recorded) before it sees the record.
  auto runs = std::make_shared<std::map<std::int64_t, int>>();
  jobs_fixture f(9, 3, [runs](std::uint64_t node, std::int64_t part) {
    ++(*runs)[part];
    return ordinary(node, part);
  });
  f.submit(spec_of(12));
  f.s.set_link(client_id, 3, 300ms);
  REQUIRE(f.s.run_until([&] { return f.ended(); }, 30s));
  CHECK(*f.log.end == jobs::job_end::done);
  f.check_results(12);
  for (std::int64_t p = 0; p < 12; ++p) {
    INFO("part ", p);
    CHECK((*runs)[p] == 1);
  }
}
