// The scheduler's view of the jobs (job_book): what is waiting, where a
// waiting part goes, and what a new leader rebuilds from presence alone.
#include <doctest/doctest.h>

#include <set>

#include "job_book.hpp"

using namespace agora::jobs;
using key = job_book::key;

namespace {

protocol::job_info job(std::string id, std::int64_t parts, std::string interpreter = "sh") {
  return {std::move(id), 100, std::move(interpreter), parts, 3, 0};
}
protocol::worker_info worker(std::uint64_t node, std::int64_t slots, std::vector<std::string> names = {"sh"}) {
  return {node, slots, std::move(names)};
}

/// plan() as (part, node) pairs of job `id`, applied to the book as
/// assignments (as the scheduler does).
std::set<std::pair<std::int64_t, std::uint64_t>> assign(job_book& b) {
  std::set<std::pair<std::int64_t, std::uint64_t>> out;
  for (const auto& k : b.plan()) {
    b.assigned(k);
    out.insert({k.part, k.node});
  }
  return out;
}

}  // namespace

TEST_CASE("job_book: waiting parts fill the free slots, the most free first, and no more") {
  job_book b;
  b.worker_up(worker(1, 2));
  b.worker_up(worker(2, 1));
  b.job_up(job("a", 5));
  const auto first = assign(b);
  CHECK(first.size() == 3);
  std::map<std::uint64_t, int> per_node;
  for (const auto& [part, node] : first) ++per_node[node];
  CHECK(per_node[1] == 2);
  CHECK(per_node[2] == 1);
  CHECK(assign(b).empty());  // no free slot left
  // A worker takes its part (running), finishes, its record comes: a slot frees.
  b.running_up({"a", 0, 1, 1});
  b.unassigned({"a", 0, 1, 1});
  CHECK(assign(b).empty());
  b.record_up({"a", 0, 1, 1}, true);
  b.running_down({"a", 0, 1, 1});
  CHECK(assign(b) == std::set<std::pair<std::int64_t, std::uint64_t>>{{3, 1}});
}

TEST_CASE("job_book: a retry goes to another node, and waits for one while one could run it") {
  job_book b;
  b.worker_up(worker(1, 1));
  b.worker_up(worker(2, 1));
  b.job_up(job("a", 1));
  auto k = b.plan().at(0);
  CHECK(k.attempt == 1);
  b.assigned(k);
  b.running_up(k);
  b.unassigned(k);
  b.record_up(k, false);
  b.running_down(k);
  const std::uint64_t failed_on = k.node, other = failed_on == 1 ? 2 : 1;
  // The other node is busy with another job: the retry waits for it.
  b.job_up(job("busy", 1));
  b.running_up({"busy", 0, 1, other});
  auto plan = b.plan();
  CHECK(std::none_of(plan.begin(), plan.end(), [](const key& x) { return x.job == "a"; }));
  b.running_down({"busy", 0, 1, other});
  b.job_down("busy", "done");
  plan = b.plan();
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].node == other);
  CHECK(plan[0].attempt == 2);
  // Once it failed everywhere, any node will do.
  b.assigned(plan[0]);
  b.running_up(plan[0]);
  b.unassigned(plan[0]);
  b.record_up(plan[0], false);
  b.running_down(plan[0]);
  plan = b.plan();
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].attempt == 3);
}

TEST_CASE("job_book: after max_attempts failures a part is no longer planned") {
  job_book b;
  b.worker_up(worker(1, 4));
  b.job_up(job("a", 1));
  for (std::int64_t attempt = 1; attempt <= 3; ++attempt) b.record_up({"a", 0, attempt, 1}, false);
  CHECK(b.plan().empty());
}

TEST_CASE("job_book: a new leader's view, rebuilt from presence, plans only what is not done or running") {
  job_book b;
  b.worker_up(worker(1, 4));
  b.worker_up(worker(2, 4));
  b.running_up({"a", 2, 1, 2});  // a worker's link may be faster than the submitter's
  b.job_up(job("a", 4));
  b.record_up({"a", 0, 1, 1}, true);
  b.record_up({"a", 1, 1, 2}, false);
  std::set<std::int64_t> parts;
  for (const auto& k : b.plan()) {
    parts.insert(k.part);
    if (k.part == 1) CHECK(k.attempt == 2);
  }
  CHECK(parts == std::set<std::int64_t>{1, 3});
  const auto s = b.summaries().at(0);
  CHECK(s.done == 1);
  CHECK(s.running == std::map<std::uint64_t, std::int64_t>{{2, 1}});
  CHECK(s.state == "running");
}

TEST_CASE("job_book: held jobs wait, interpreters are respected, and a job nobody can run is named") {
  job_book b;
  CHECK(b.unrunnable().empty());  // no worker known yet: nothing to say
  b.worker_up(worker(1, 2, {"sh"}));
  b.worker_up(worker(2, 2, {"sh", "python3"}));
  b.job_up(job("py", 2, "python3"));
  b.job_up(job("rb", 1, "ruby"));
  b.hold("py");
  CHECK(b.plan().empty());
  b.release("py");
  for (const auto& k : b.plan()) CHECK(k.node == 2);
  const auto bad = b.unrunnable();
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].first == "rb");
  CHECK(bad[0].second == "interpreter ruby is not allowed on any node (allowed: python3 on 2; sh on 1,2)");
}

TEST_CASE("job_book: a finished job goes to the history with how it ended") {
  job_book b;
  b.set_history(2);
  for (const char* id : {"a", "b", "c"}) {
    b.job_up(job(id, 1));
    b.job_down(id, "done");
  }
  const auto s = b.summaries();
  REQUIRE(s.size() == 2);
  CHECK(s[0].id == "b");
  CHECK(s[1].state == "done");
}

TEST_CASE("jobs protocol: malformed or oversized assertions from a peer are not trusted") {
  using agora::rec;
  using agora::term;
  CHECK(protocol::read_job(rec("job", "a", 1, "sh", 4, 3, 0)));
  CHECK(!protocol::read_job(rec("job", "a", 1, "sh", max_parts + 1, 3, 0)));
  CHECK(!protocol::read_job(rec("job", "a", 1, "sh", 0, 3, 0)));
  CHECK(!protocol::read_job(rec("job", 7, 1, "sh", 4, 3, 0)));
  CHECK(!protocol::read_job(rec("job", "a", 1, "sh", 4, 101, 0)));
  CHECK(!protocol::read_worker(rec("job_worker", 1, 5000, term::sequence(std::vector<term>{}))));
  CHECK(!protocol::read_worker(rec("job_worker", 1, 2, term::sequence(std::vector<term>{term(3)}))));
  CHECK(!protocol::read_outcome(rec("part_outcome", "a", 0, 1, 1, rec("maybe"))));
  CHECK(!protocol::read_outcome(rec("part_outcome", "a", -1, 1, 1, rec("ok", "x"))));
  CHECK(protocol::read_outcome(rec("part_outcome", "a", 0, 1, 1, rec("failed", rec("exited", 1), "tail"))));
  CHECK(!protocol::read_record(rec("part_record", "a", 0, 0, 1, agora::sym("accepted"))));  // attempt 0
  CHECK(!protocol::read_assign(rec("part_assign", "a", 0, 1, 1, -5)));
}
