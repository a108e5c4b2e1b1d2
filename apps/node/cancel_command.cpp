#include "cancel_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "agora/actors/jobs.hpp"
#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "client_node.hpp"

namespace agora::node_app {

namespace {

struct cancel_state {
  cancel_options options;
  bool seen = false;
};

}  // namespace

int run_cancel(const cancel_options& o) {
  if (o.job.empty()) {
    fmt::print(stderr, "agora-node cancel: which job? Give its id\n");
    return 2;
  }
  auto config = client_config("cancel", o.connect, o.secret_file);
  if (!config) return 2;
  ground g(ground_config{.name = "agora-node-cancel", .threads = 1, .log = [](log_level level, std::string_view line) {
                           if (level >= log_level::error) fmt::print(stderr, "agora-node cancel: {}\n", line);
                         }});
  std::unique_ptr<cluster::node> client;
  try {
    client = std::make_unique<cluster::node>(g, std::move(*config));
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "agora-node cancel: {}\n", e.what());
    return 2;
  }
  g.spawn(timer::driver(g));
  auto root = actor<cancel_state>{{o, false}, "cancel"}.on_start([](turn<cancel_state>& t) {
    const auto& id = t.state.options.job;
    // The job's submitter is a client too, and a client never sees another
    // client's assertions: ask the members, whose schedulers pass the
    // cancel on to the submitter and answer with job_cancelling(JID, NODE)
    // while the job lives. Its withdrawal (the job's end as the reason) is
    // the answer; one lost with its member is not.
    t.at_cluster().publish(jobs::cancel_request(id));
    t.at_cluster().subscribe(jobs::cancelling_topic(id),
                             {.on_presence = [](turn<cancel_state>& t, const presence&) { t.state.seen = true; },
                              .on_absence =
                                  [](turn<cancel_state>& t, const absence& a) {
                                    if (a.why.as_term().is_record("node_lost")) return;
                                    fmt::print("job {} cancelled ({})\n", t.state.options.job, a.why.to_string());
                                    std::fflush(stdout);
                                    t.at_ground().send(rec("agora.exit", 0));
                                  }},
                             interest::observer);
    const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(t.state.options.wait_s * 1000));
    timer::once(t, sym("cancel.wait"), wait, [](turn<cancel_state>& t, std::int64_t) {
      const auto& o = t.state.options;
      if (t.state.seen)
        fmt::print(stderr, "agora-node cancel: job {} was asked to stop but is still there after {:g} s\n", o.job,
                   o.wait_s);
      else
        fmt::print(stderr, "agora-node cancel: no job {} seen through {} within {:g} s\n", o.job, o.connect,
                   o.wait_s);
      t.at_ground().send(rec("agora.exit", 1));
    });
  });
  return g.run(root);
}

}  // namespace agora::node_app
