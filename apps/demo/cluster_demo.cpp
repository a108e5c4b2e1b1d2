// agora-cluster-demo (`bash run.sh demo`): five agora-node processes on
// 127.0.0.1 elect a leader; a job of N parts is submitted; the leader is
// killed (kill -9) while it runs a part; the four left elect a new leader,
// which reassigns the lost part, and the job finishes with every part's
// result exactly once. Then every node is stopped (SIGTERM) and the scratch
// directory removed. Exit status 0 when all of that happened; otherwise 1,
// with what did not happen (every wait has a deadline) and the nodes' last
// lines — and nothing left running.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <unistd.h>

#include "demo_cluster.hpp"
#include "demo_job.hpp"
#include "demo_scratch.hpp"
#include "demo_signals.hpp"

namespace {

using namespace agora_demo;
using namespace std::chrono_literals;

struct options {
  int parts = 10;
  int part_seconds = 1;
};

/// The job's script: says "started" on stderr (the node logs it, which is
/// how the demo sees where each part runs), sleeps, prints a result.
std::string part_script(int seconds) {
  return "# a part of agora-cluster-demo's job: AGORA_PART is 0 to AGORA_PARTS-1\n"
         "echo started >&2\n"
         "sleep " + std::to_string(seconds) + "\n"
         "n=$AGORA_PART\n"
         "echo \"$n squared is $((n * n))\"\n";
}

/// agora-node next to this program (build/apps/, or an install's bin/),
/// else where the build put it.
std::string node_program() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto next = self.parent_path() / "agora-node";
    if (access(next.c_str(), X_OK) == 0) return next.string();
  }
  return AGORA_NODE_BIN;
}

double seconds_since(demo_clock::time_point t) {
  return std::chrono::duration<double>(demo_clock::now() - t).count();
}

void say(const std::string& line) { std::printf("%s\n", line.c_str()); }

void show(const part_result& r) {
  say("part " + std::to_string(r.part) + " on node " + std::to_string(r.node) +
      (r.attempt > 1 ? " (attempt " + std::to_string(r.attempt) + ")" : "") + ": " + r.result);
}

std::string list(const std::vector<std::uint64_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + std::to_string(ids[i]);
  return s;
}

std::string leader_now(const leader_seen& l, double after_s) {
  char line[160];
  std::snprintf(line, sizeof line, "node %llu leads now (epoch %s), %.0f ms after the kill",
                static_cast<unsigned long long>(l.id), l.epoch.c_str(), after_s * 1000);
  return line;
}

/// The story, from the scratch directory's making to the nodes' stop.
void run_cluster(const options& o, const scratch_dir& scratch) {
  const std::string program = node_program();
  const std::string secret = scratch.write_secret("secret");
  const std::string script = scratch.write("part.sh", part_script(o.part_seconds), 0644);
  say("five agora-node processes on 127.0.0.1, a job of " + std::to_string(o.parts) +
      " parts, and the leader killed mid-job");
  say("scratch dir " + scratch.path() + ": the cluster's secret (mode 600) and the job's script");

  demo_cluster cluster(program, secret, scratch.path());
  for (std::uint64_t id = 1; id <= 5; ++id)
    say("node " + std::to_string(id) + " listening on " + cluster.start(id) + (id == 1 ? "" : ", seeded with node 1"));

  say("waiting for the five to elect a leader (the highest id wins)");
  const auto leader = cluster.wait_leader(30s);
  say("node " + std::to_string(leader.id) + " leads (epoch " + leader.epoch + "); all five agree");

  const std::uint64_t via = leader.id == 1 ? 2 : 1;
  demo_job job(program, {"submit", "--connect", cluster.node(via).address(), "--secret-file", secret, "--parts",
                         std::to_string(o.parts), "--interpreter", "sh", "--wait", "20", script});
  const auto submitted = demo_clock::now();
  const auto read_results = [&] {
    for (const auto& r : job.read()) show(r);
  };
  cluster.wait_until([&] { return !job.id().empty() || job.exit_code(); }, 15s,
                     [] { return std::string("agora-node submit did not say its job's id"); }, read_results);
  if (job.id().empty()) throw std::runtime_error("agora-node submit exited at once (see above)");
  say("submitting job " + job.id() + " of " + std::to_string(o.parts) + " parts via node " + std::to_string(via) +
      " (agora-node submit)");
  say("  each part sleeps " + std::to_string(o.part_seconds) +
      " s, then prints its number squared; each node runs one part at a time");

  auto& old = cluster.node(leader.id);
  cluster.wait_until([&] { return !old.started().empty(); }, 20s,
                     [&] { return "node " + std::to_string(leader.id) + " (the leader) did not start a part"; },
                     read_results);
  const int lost_part = old.started().front();
  say("node " + std::to_string(leader.id) + " (the leader) is running part " + std::to_string(lost_part));
  say("killing the leader, node " + std::to_string(leader.id) + " (kill -9)");
  say("  its part is lost with it; the four left elect a new leader, which gives the part to another node");
  const auto killed = demo_clock::now();
  cluster.kill(leader.id);

  const auto next = cluster.wait_leader(20s, leader.id);
  say(leader_now(next, seconds_since(killed)));
  cluster.wait_until([&] { return job.exit_code().has_value(); }, 60s,
                     [] { return std::string("the job did not finish"); }, read_results);
  read_results();
  const double took = seconds_since(submitted);
  if (*job.exit_code() != 0) {
    std::string said;
    for (const auto& l : job.other_lines()) said += "    " + l + "\n";
    throw std::runtime_error("agora-node submit exited with status " + std::to_string(*job.exit_code()) + ":\n" +
                             said + cluster.logs());
  }
  if (static_cast<int>(job.results().size()) != o.parts)
    throw std::runtime_error("the job ended with " + std::to_string(job.results().size()) + " of " +
                             std::to_string(o.parts) + " parts");
  const auto& again = job.results().at(lost_part);
  char done[160];
  std::snprintf(done, sizeof done, "all %d parts done in %.1f s, each exactly once; node %llu's part %d ran again on node %llu (attempt %d)",
                o.parts, took, static_cast<unsigned long long>(leader.id), lost_part,
                static_cast<unsigned long long>(again.node), again.attempt);
  say(done);
  if (again.node == leader.id) throw std::runtime_error("the killed leader's part was accepted from the dead node");

  const auto left = cluster.alive();
  say("stopping nodes " + list(left) + " (SIGTERM)");
  std::string failed;
  for (const auto& [id, code] : cluster.stop())
    if (code != 0)
      failed += " node " + std::to_string(id) + (code ? " exited with status " + std::to_string(*code) : " did not exit");
  if (!failed.empty()) throw std::runtime_error("stopping:" + failed);
  say("all stopped (exit status 0)");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App cli{"agora-cluster-demo: five agora-node processes, a job, and the leader killed mid-job"};
  cli.add_option("--parts", o.parts, "parts of the job (default 10)")->check(CLI::Range(5, 100));
  cli.add_option("--part-seconds", o.part_seconds, "seconds each part sleeps (default 1)")->check(CLI::Range(1, 10));
  CLI11_PARSE(cli, argc, argv);

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  install_interrupt_handlers();
  try {
    std::string where;
    {
      const scratch_dir scratch;
      where = scratch.path();
      run_cluster(o, scratch);
    }  // every node is stopped (or killed), then the scratch directory removed
    say("removed " + where + "; done");
    return 0;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "agora-cluster-demo: failed: %s\n", e.what());
    std::fprintf(stderr, "agora-cluster-demo: every process it started is killed and its scratch dir removed\n");
    return 1;
  }
}
