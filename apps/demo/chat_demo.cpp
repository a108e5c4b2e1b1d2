// agora-demo: an in-process chat room, run by agora::runtime (the VM is a CAF
// actor). Users announce presence(name); everyone sees everyone arrive, talk
// and leave — one user quits, one crashes — and a monitor, invisible to the
// users, writes the transcript.
#include <iostream>
#include <stdexcept>
#include <string>

#include "agora/actors/monitor.hpp"
#include "agora/runtime.hpp"
#include "agora/text.hpp"

using namespace agora;

namespace {

struct user {
  std::string name;
};

void say(const user& u, const std::string& line) { std::cout << "  [" << u.name << "] " << line << '\n'; }

actor<user> chat_user(const std::string& name) {
  return actor<user>{{name}, name}
      .publish(rec("present", name))
      .subscribe("present($who)"_t,
                 {.on_presence = [](turn<user>& t, const presence& p) {
                    if (p["who"].as_string() != t.state.name)
                      say(t.state, "* " + std::string(p["who"].as_string()) + " arrived");
                  },
                  .on_absence = [](turn<user>& t, const absence& a) {
                    say(t.state, "* " + std::string(a["who"].as_string()) + " departed (" +
                                     a.why.to_string() + ")");
                  }})
      .on_message("said($who, $text)"_t,
                  [](turn<user>& t, const message& m) {
                    say(t.state, std::string(m["who"].as_string()) + ": " +
                                     std::string(m["text"].as_string()));
                  })
      .on_message(rec("cmd", name, sym("say"), cap("text")),
                  [](turn<user>& t, const message& m) {
                    t.send(rec("said", t.state.name, m["text"]));
                  })
      .on_message(rec("cmd", name, sym("quit")), [](turn<user>& t, const message&) { t.quit(); })
      .on_message(rec("cmd", name, sym("crash")), [](turn<user>&, const message&) -> void {
        throw std::runtime_error("segfault in emoji renderer");
      });
}

}  // namespace

int main() {
  std::cout << "agora demo: a chat room where presence does the bookkeeping\n";
  runtime rt;
  auto print = [](std::string_view line) { std::cout << "monitor: " << line << '\n'; };
  auto room = rt.spawn_vm("room", {actors::monitor("present(_)"_t, print),
                                   actors::monitor("said(_, _)"_t, print),
                                   chat_user("alice"), chat_user("bob")});
  // Posts run in the room's VM in order; each is small enough that one slice
  // delivers all its consequences before the next runs.
  room.send(rec("cmd", "alice", sym("say"), "hi bob"));
  room.spawn(chat_user("carol"));
  room.send(rec("cmd", "carol", sym("say"), "hello, all"));
  room.send(rec("cmd", "bob", sym("quit")));
  room.send(rec("cmd", "carol", sym("crash")));
  room.send(rec("cmd", "alice", sym("say"), "anyone?"));
  room.shutdown();
  rt.wait();
  std::cout << "room closed\n";
}
