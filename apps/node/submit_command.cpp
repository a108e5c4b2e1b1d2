#include "submit_command.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <sstream>

#include "agora/actors/jobs.hpp"
#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "client_node.hpp"
#include "submit_display.hpp"

namespace agora::node_app {

namespace {

using namespace std::chrono_literals;

constexpr int done_code = 0, failed_code = 1, usage_code = 2, refused_code = 3, cancelled_code = 130;

std::optional<std::string> read_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string job_id() {
  std::random_device r;
  return fmt::format("j-{:08x}{:04x}", r(), r() & 0xffff);
}

/// What the watching actor and the callbacks share (all on the ground's one thread).
struct submit_session {
  std::string connect;
  double wait_s = 10;
  submit_display display;
  bool leader_seen = false;
  bool ended = false;
  /// Ends the run with `code` (the signal watch is cancelled, or the
  /// ground would wait for it).
  std::function<void(int)> finish{};
};

actor_spec watcher(std::shared_ptr<submit_session> session) {
  return actor<std::shared_ptr<submit_session>>{session, "submit.watch"}.on_start([](auto& t) {
    timer::every(t, sym("submit.draw"), 250ms, [](auto& t, std::int64_t) { t.state->display.tick(); });
    const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(t.state->wait_s * 1000));
    timer::once(t, sym("submit.wait"), wait, [](auto& t, std::int64_t) {
      auto& s = *t.state;
      if (s.leader_seen || s.ended) return;
      s.ended = true;
      s.display.finish();
      fmt::print(stderr,
                 "agora-node submit: refused: no leader seen within {:g} s (can {} be reached with this secret, "
                 "and does the cluster have a majority?)\n",
                 s.wait_s, s.connect);
      s.finish(refused_code);
    });
  });
}

}  // namespace

std::string guess_interpreter(const std::string& path, std::string_view content) {
  if (content.starts_with("#!")) {
    std::string_view line = content.substr(2, content.find('\n') == std::string_view::npos ? content.size() - 2
                                                                                             : content.find('\n') - 2);
    std::vector<std::string_view> words;
    while (!line.empty()) {
      const auto start = line.find_first_not_of(" \t\r");
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      const auto end = line.find_first_of(" \t\r");
      words.push_back(line.substr(0, end));
      line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    }
    if (!words.empty()) {
      auto base = [](std::string_view p) { return p.substr(p.rfind('/') == std::string_view::npos ? 0 : p.rfind('/') + 1); };
      std::string_view program = base(words[0]);
      if (program == "env" && words.size() > 1) program = base(words[1]);
      if (!program.empty()) return std::string(program);
    }
  }
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "py") return "python3";
  if (ext == "sh") return "sh";
  if (ext == "pl") return "perl";
  if (ext == "rb") return "ruby";
  if (ext == "js") return "node";
  return "";
}

int run_submit(const submit_options& o) {
  auto script = read_script(o.script);
  if (!script) {
    fmt::print(stderr, "agora-node submit: cannot read the script {}\n", o.script);
    return usage_code;
  }
  jobs::job_spec spec;
  spec.id = job_id();
  spec.interpreter = o.interpreter.empty() ? guess_interpreter(o.script, *script) : o.interpreter;
  if (spec.interpreter.empty()) {
    fmt::print(stderr, "agora-node submit: which interpreter runs {}? Give --interpreter NAME (or a #! line)\n",
               o.script);
    return usage_code;
  }
  spec.script = std::move(*script);
  spec.args = o.args;
  spec.parts = o.parts;
  spec.max_attempts = o.max_attempts;
  spec.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  spec.max_output = o.max_output;
  if (auto problems = jobs::job_problems(spec); !problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "agora-node submit: {}\n", p);
    return usage_code;
  }
  auto config = client_config("submit", o.connect, o.secret_file);
  if (!config) return usage_code;

  ground g(ground_config{.name = "agora-node-submit",
                         .threads = 1,
                         .handle_signals = false,
                         .log = [](log_level level, std::string_view line) {
                           if (level >= log_level::error) fmt::print(stderr, "agora-node submit: {}\n", line);
                         }});
  std::unique_ptr<cluster::node> client;
  try {
    client = std::make_unique<cluster::node>(g, std::move(*config));
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "agora-node submit: {}\n", e.what());
    return usage_code;
  }
  auto session = std::make_shared<submit_session>(
      submit_session{o.connect, o.wait_s, submit_display(o.parts, ::isatty(STDERR_FILENO) != 0)});
  // SIGINT / SIGTERM: leaving withdraws the job, which cancels it everywhere.
  boost::asio::signal_set signals(g.io(), SIGINT, SIGTERM);
  session->finish = [&g, &signals](int code) {
    boost::system::error_code ignored;
    signals.cancel(ignored);
    g.shutdown(code);
  };
  signals.async_wait([session](const boost::system::error_code& ec, int) {
    if (ec || session->ended) return;
    session->ended = true;
    session->display.finish();
    fmt::print(stderr, "agora-node submit: cancelled; the job's processes are being stopped on every node\n");
    session->finish(cancelled_code);
  });

  jobs::submission_events events{
      .on_result =
          [](const jobs::part_result& r) {
            nlohmann::ordered_json j{{"part", r.part}, {"node", r.node}, {"attempt", r.attempt}, {"result", r.result}};
            fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            std::fflush(stdout);
          },
      .on_progress = [session](const std::map<std::uint64_t, std::int64_t>& running,
                               std::int64_t done) { session->display.update(running, done); },
      .on_end =
          [session](jobs::job_end how, const std::string& why) {
            if (session->ended) return;
            session->ended = true;
            session->display.finish();
            switch (how) {
              case jobs::job_end::done: session->finish(done_code); return;
              case jobs::job_end::failed:
                fmt::print(stderr, "agora-node submit: the job failed: {}\n", why);
                session->finish(failed_code);
                return;
              case jobs::job_end::refused:
                fmt::print(stderr, "agora-node submit: refused: {}\n", why);
                session->finish(refused_code);
                return;
              case jobs::job_end::cancelled:
                fmt::print(stderr, "agora-node submit: {}\n", why);
                session->finish(cancelled_code);
                return;
            }
          },
      .on_leader = [session](std::optional<std::uint64_t> leader) { session->leader_seen |= leader.has_value(); }};
  g.spawn(timer::driver(g));
  fmt::print(stderr, "agora-node submit: job {} ({} parts of {} {}) via {}\n", spec.id, spec.parts,
             spec.interpreter, o.script, o.connect);
  g.spawn(jobs::submission(spec, 0, std::move(events)));
  // The root never quits: the run ends with the code given to shutdown().
  const int code = g.run(watcher(session));
  session->finish = {};
  return code;
}

}  // namespace agora::node_app
