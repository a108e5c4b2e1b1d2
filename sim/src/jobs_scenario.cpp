// The `jobs` scenario: every member runs an elector, the jobs scheduler, a
// worker and the process player; a client submits jobs one after another
// (a new one as soon as the last ended, and again after each of its own
// restarts) while the nemesis works — on the members and on the client.
// Parts last 0.2–1 s of virtual time and fail now and then on a node
// (exit 3), so retries and reassignment happen besides the faults.
// Checked: no part accepted twice, every result the part's own, every job
// that ends done has every part; after the faults, a job submitted then
// finishes, and once the last job ended no process of any job is left on
// any node.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agora/actor.hpp"
#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "agora/sim/nemesis.hpp"
#include "agora/sim/process_player.hpp"
#include "agora/sim/simulation.hpp"
#include "scenario_support.hpp"
#include "scenarios.hpp"

namespace agora::sim::detail {

namespace {

constexpr std::uint64_t client_id = 1000;

/// FNV-1a over `s` from `h`, then splitmix64's finalizer: every bit of the
/// result depends on every byte.
std::uint64_t mix(std::uint64_t h, std::string_view s) {
  for (const unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::string expected_result(const std::string& job, std::int64_t part) { return fmt::format("{}/{}", job, part); }

/// What the checker knows of one job.
struct job_record {
  std::int64_t parts = 0;
  std::map<std::int64_t, int> accepted;
  std::optional<jobs::job_end> end;
  std::string why;
  clock::time_point submitted{};
};

struct jobs_world {
  simulation& sim;
  std::uint64_t seed;
  std::map<std::uint64_t, std::map<term, std::vector<std::string>>> live;  // node → processes
  std::map<std::string, job_record> jobs;
  std::string current;  // the job the client runs now ("": none)
  std::uint64_t client_incarnation = 0;
  clock::time_point last_submit{};  // no new job after it: the last one has time to end
  int submitted = 0;
  std::vector<std::string> violations;

  void violation(std::string what) {
    sim.note("VIOLATION " + what);
    violations.push_back(std::move(what));
  }

  played_process play(std::uint64_t node, const std::vector<std::string>& env) const {
    const std::string job = env_value(env, "AGORA_JOB");
    const std::string part = env_value(env, "AGORA_PART");
    const std::uint64_t h = mix(mix(mix(seed * 0x9e3779b97f4a7c15ULL, job), part), std::to_string(node));
    played_process p;
    p.duration = std::chrono::milliseconds(200 + static_cast<std::int64_t>(h % 800));
    if ((h >> 20) % 8 == 0) {
      p.exit = rec("exited", 3);
      p.err = "part failed on purpose\n";
    } else {
      p.out = expected_result(job, std::stoll(part.empty() ? "0" : part));
    }
    return p;
  }

  /// The client's next job, spawned in its ground (between events).
  void submit_next(std::uint64_t incarnation) {
    if (incarnation != client_incarnation || !current.empty() || sim.now() > last_submit) return;
    if (sim.state(client_id) != node_state::up) {  // paused: try again later
      sim.at(sim.now() + 500ms, [this, incarnation] { submit_next(incarnation); });
      return;
    }
    jobs::job_spec spec;
    spec.id = fmt::format("j{}-{}", incarnation % 1000000, ++submitted);
    spec.interpreter = "sh";
    spec.script = "played";
    spec.parts = 4 + static_cast<std::int64_t>(mix(seed, spec.id) % 12);
    spec.max_attempts = 4;
    current = spec.id;
    auto& r = jobs[spec.id];
    r.parts = spec.parts;
    r.submitted = sim.now();
    sim.note(fmt::format("jobs: submitting {} of {} parts", spec.id, spec.parts));
    const std::string id = spec.id;
    sim.ground(client_id)
        .spawn(jobs::submission(
            spec, client_id,
            {.on_result =
                 [this, id](const jobs::part_result& p) {
                   auto& r = jobs[id];
                   if (++r.accepted[p.part] > 1) violation(fmt::format("{} part {} accepted twice", id, p.part));
                   if (p.result != expected_result(id, p.part))
                     violation(fmt::format("{} part {}: result \"{}\" is not the part's own", id, p.part, p.result));
                 },
             .on_end =
                 [this, id, incarnation](jobs::job_end how, const std::string& why) {
                   auto& r = jobs[id];
                   r.end = how;
                   r.why = why;
                   sim.note(fmt::format("jobs: {} ended ({}) {}", id, static_cast<int>(how), why));
                   if (how == jobs::job_end::done)
                     for (std::int64_t p = 0; p < r.parts; ++p)
                       if (r.accepted[p] != 1) violation(fmt::format("{} done without part {}", id, p));
                   if (how == jobs::job_end::refused) violation(fmt::format("{} refused: {}", id, why));
                   current.clear();
                   sim.at(sim.now(), [this, incarnation] { submit_next(incarnation); });
                 }}));
  }
};

}  // namespace

scenario_result run_jobs(const scenario_options& options) {
  check_options("jobs", options);
  if (options.nodes < 2) throw std::invalid_argument("jobs: --nodes must be at least 2");

  simulation sim({.seed = options.seed, .trace = options.trace, .trace_turns = options.trace_turns});
  jobs_world world{sim, options.seed, {}, {}, {}, 0, {}, 0, {}};

  for (std::uint64_t id = 1; id <= options.nodes; ++id)
    sim.add_node(
        id,
        [&world, n = options.nodes](node_context& ctx) {
          world.live[ctx.id].clear();  // the processes of an earlier incarnation died with it
          election::config c;
          c.id = ctx.id;
          c.incarnation = ctx.incarnation;
          c.cluster_size = n;
          ctx.ground.spawn(election::elector(c));
          ctx.ground.spawn(process_player(
              ctx, {.script = [&world, node = ctx.id](const std::vector<std::string>&,
                                                       const std::vector<std::string>& env) {
                      return world.play(node, env);
                    },
                    .live = &world.live[ctx.id]}));
          ctx.ground.spawn(jobs::scheduler({.node = ctx.id}));
          ctx.ground.spawn(jobs::worker({.node = ctx.id, .slots = 2, .interpreters = {{"sh", "/bin/sh"}}}));
        },
        all_seeds(options.nodes));
  // The client: a new incarnation forgets its job (which its loss cancelled)
  // and starts the next.
  sim.add_client(client_id, 1, [&world](node_context& ctx) {
    world.client_incarnation = ctx.incarnation;
    if (!world.current.empty()) {
      world.jobs[world.current].why = "its submitter was lost";
      world.current.clear();
    }
    const auto inc = ctx.incarnation;
    world.sim.at(world.sim.now() + 2s, [&world, inc] { world.submit_next(inc); });
  });

  const auto start = sim.now();
  const auto end = start + options.duration;
  const auto calm = end - settle_time;
  world.last_submit = end - 6s;
  nemesis chaos(sim);
  if (options.faults) chaos.schedule(start + 1s, calm);

  sim.run_until(end);

  // After the faults: the last job has ended (done, or failed for good by
  // the script), and no process of any job runs any more.
  if (!world.current.empty())
    world.violation(fmt::format("{} has not ended {} s after the faults stopped", world.current,
                                std::chrono::duration_cast<std::chrono::seconds>(end - calm).count()));
  for (const auto& [node, processes] : world.live)
    for (const auto& [pid, env] : processes)
      if (sim.state(node) == node_state::up)
        world.violation(fmt::format("node {}: a process of {} part {} still runs at the end", node,
                                    env_value(env, "AGORA_JOB"), env_value(env, "AGORA_PART")));
  int done = 0;
  for (const auto& [id, r] : world.jobs) done += r.end == jobs::job_end::done;
  sim.note(fmt::format("jobs: {} submitted, {} done", world.jobs.size(), done));
  if (done == 0) world.violation("no job finished in the whole run");
  return result_of("jobs", options, sim, start, std::move(world.violations));
}

}  // namespace agora::sim::detail
