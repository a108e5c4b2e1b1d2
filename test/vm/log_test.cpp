// agora::log_sink: the default sink's format, and what the VMs, the runtime
// and the ground report to a sink of the user's.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agora/ground.hpp"
#include "agora/log.hpp"
#include "agora/runtime.hpp"
#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

/// A thread-safe sink that keeps every line with its level.
struct collected {
  struct lines {
    std::mutex mutex;
    std::vector<std::pair<log_level, std::string>> all;
  };
  std::shared_ptr<lines> shared = std::make_shared<lines>();

  log_sink sink() const {
    return [s = shared](log_level level, std::string_view line) {
      std::lock_guard lock(s->mutex);
      s->all.emplace_back(level, std::string(line));
    };
  }
  std::vector<std::pair<log_level, std::string>> taken() const {
    std::lock_guard lock(shared->mutex);
    return shared->all;
  }
};

/// A spec whose state cannot be built: spawning it fails.
actor_spec unbuildable(std::string name) {
  actor_spec spec;
  spec.name = std::move(name);
  spec.make_state = []() -> std::unique_ptr<detail::state_base> {
    throw std::runtime_error("no state today");
  };
  return spec;
}

/// What f writes to stderr (file descriptor 2) meanwhile.
template <class F>
std::string stderr_of(F f) {
  std::fflush(stderr);
  std::FILE* tmp = std::tmpfile();
  REQUIRE(tmp);
  const int saved = dup(2);
  dup2(fileno(tmp), 2);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string text;
  std::rewind(tmp);
  for (int c; (c = std::fgetc(tmp)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(tmp);
  return text;
}

}  // namespace

TEST_CASE("log: the default sink writes one \"agora: ...\" line to stderr per report") {
  const auto text = stderr_of([] {
    write_log(log_to_stderr(), log_level::warn, "first");
    write_log(log_to_stderr(), log_level::error, "second");
  });
  CHECK(text == "agora: first\nagora: second\n");
  CHECK(to_string(log_level::warn) == "warn");
}

TEST_CASE("log: a sink that throws, or none, is no concern of the reporter") {
  int calls = 0;
  const log_sink throws = [&](log_level, std::string_view) {
    ++calls;
    throw std::runtime_error("full disk");
  };
  CHECK_NOTHROW(write_log(throws, log_level::error, "x"));
  CHECK(calls == 1);
  CHECK_NOTHROW(write_log(log_sink{}, log_level::error, "x"));
}

TEST_CASE("log: a deterministic vm reports a nested VM's child that fails to start") {
  collected got;
  vm v("root");
  v.log(got.sink());
  v.spawn(nested_vm("inner", {unbuildable("broken"), actor<>{}.subscribe("keep"_t)}));
  v.run();
  const auto lines = got.taken();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].first == log_level::error);
  CHECK(lines[0].second == "vm root/inner: child broken failed to start: no state today");
  CHECK(v.vm_count() == 2);  // the other child runs
}

TEST_CASE("log: a runtime reports a child that fails to start and a posted task that throws") {
  collected got;
  {
    runtime rt({.threads = 2, .log = got.sink()});
    auto top = rt.spawn_vm("top", {nested_vm("jobs", {unbuildable("broken")}),
                                   actor<>{}.subscribe("keep"_t)});
    top.post([](vm&) { throw std::runtime_error("deliberate"); });
    top.shutdown();
    CHECK(rt.wait_for(10s));
  }
  auto lines = got.taken();
  std::sort(lines.begin(), lines.end());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == std::pair{log_level::error,
                              std::string("task posted in vm top failed: deliberate")});
  CHECK(lines[1] == std::pair{log_level::error,
                              std::string("vm top/jobs: child broken failed to start: no state today")});
}

TEST_CASE("log: the ground reports a driver that fails to start and a failing task to its sink") {
  collected got;
  ground g({.handle_signals = false, .log = got.sink()});
  g.spawn(unbuildable("agora.broken"));
  // Posted from one thread, in order: the failing task, then the root's
  // stop (which ends run()).
  actor<> root;
  root.on_message(sym("stop"), [](turn<>& t, const message&) { t.quit(); });
  root.on_start([&g](turn<>&) {
    g.handle().post([](vm&) { throw std::runtime_error("deliberate"); });
    g.handle().send(sym("stop"));
  });
  CHECK(g.run(root) == 0);
  write_log(g.log(), log_level::info, "what drivers report by default");  // io_port::log()
  const auto lines = got.taken();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].second == "ground: starting agora.broken failed: no state today");
  CHECK(lines[1].second == "task posted in vm ground failed: deliberate");
  CHECK(lines[2].second == "what drivers report by default");
}
