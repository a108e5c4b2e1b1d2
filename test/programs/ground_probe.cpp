// A small program run by ground_test.cpp as a child process, to check exit
// codes, signal handling and forced shutdown of agora::ground.
//   ground_probe quit|crash|exit7|serve|hang
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "agora/ground.hpp"
#include "agora/text.hpp"

using namespace agora;

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// Logs every flow of `topic` it sees come and go.
actor<> watcher(std::string tag, term topic, role r) {
  handlers<> h{
      .on_presence = [tag](turn<>&, const presence& p) { say(tag + " +" + p.flow().to_string()); },
      .on_absence = [tag](turn<>&, const absence& a) {
        say(tag + " -" + a.flow().to_string() + " " + a.why.to_string());
      },
  };
  actor<> a{{}, tag};
  if (r == role::subscriber) a.subscribe(std::move(topic), std::move(h));
  else a.publish(std::move(topic), std::move(h));
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  ground_config cfg;
  cfg.shutdown_timeout = std::chrono::milliseconds(300);
  ground g(cfg);

  if (mode == "quit") return g.run(actor<>{}.on_start([](turn<>& t) { t.quit(); }));
  if (mode == "crash")
    return g.run(actor<>{}.on_start([](turn<>&) -> void { throw std::runtime_error("boom"); }));
  if (mode == "exit7")
    return g.run(actor<>{}.subscribe("idle"_t).on_start([](turn<>& t) { t.send(rec("agora.exit", 7)); }));

  if (mode == "serve" || mode == "hang") {
    // In the ground: a service publisher that watches its users.
    g.spawn(watcher("service", "svc(_)"_t, role::publisher));
    // The root: a nested VM whose child uses the service at the meta level
    // and announces itself locally to a sibling that watches it.
    actor<> user{{}, "user"};
    user.on_start([](turn<>& t) {
      t.meta().subscribe("svc(1)"_t, {.on_message = [](turn<>&, const message&) {
        for (volatile bool spin = true; spin;) {
        }
      }});
      t.publish("user"_t);
    });
    actor<> ready{{}, "ready"};
    ready.on_start([mode](turn<>& t) {
      if (mode == "hang") t.meta().send("svc(1)"_t);  // the user spins from now on
      say("ready");
    });
    // Stopped newest first: the user goes before its peer, which sees it go.
    return g.run(nested_vm("app", {watcher("peer", "user"_t, role::subscriber), user, ready}));
  }
  std::fprintf(stderr, "usage: ground_probe quit|crash|exit7|serve|hang\n");
  return 2;
}
