// VMs as CAF actors: injection from other threads, parallel VMs, shutdown.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "agora/runtime.hpp"
#include "agora/text.hpp"

using namespace agora;

namespace {
struct counter {
  std::atomic<int>* n;
  int limit;
  std::promise<void>* done;
};

actor<counter> count_until(std::atomic<int>& n, int limit, std::promise<void>& done) {
  return std::move(actor<counter>{{&n, limit, &done}}.on_message(
      "tick(_)"_t, [](turn<counter>& t, const message&) {
        if (++*t.state.n == t.state.limit) {
          t.state.done->set_value();
          t.quit();
        }
      }));
}
}  // namespace

TEST_CASE("messages injected from another thread reach a VM run by the runtime") {
  runtime rt({.threads = 2});
  std::atomic<int> n{0};
  std::promise<void> done;
  auto handle = rt.spawn_vm("counter", {count_until(n, 10000, done)});
  std::thread injector([&] {
    for (int i = 0; i < 10000; ++i) handle.send(rec("tick", i));
  });
  injector.join();
  done.get_future().wait();
  rt.wait();  // the only actor quit, so the VM stopped
  CHECK(n == 10000);
}

TEST_CASE("sibling VMs run independently and the runtime waits for all") {
  runtime rt({.threads = 2});
  std::atomic<int> a{0}, b{0};
  std::promise<void> da, db;
  auto va = rt.spawn_vm("a", {count_until(a, 5000, da)});
  auto vb = rt.spawn_vm("b", {count_until(b, 5000, db)});
  for (int i = 0; i < 5000; ++i) {
    va.send(rec("tick", i));
    vb.send(rec("tick", i));
  }
  rt.wait();
  CHECK(a == 5000);
  CHECK(b == 5000);
}

TEST_CASE("post runs code inside the VM, a failing post does not stop it") {
  runtime rt;
  std::promise<std::size_t> actors;
  auto h = rt.spawn_vm("v", {actor<>{}.subscribe("keep"_t)});
  h.post([](vm&) { throw std::runtime_error("deliberate"); });
  h.post([&](vm& v) { actors.set_value(v.actor_count()); });
  CHECK(actors.get_future().get() == 1);
  h.shutdown();
  rt.wait();
}

TEST_CASE("shutdown stops every actor and then the VM") {
  runtime rt;
  std::atomic<int> destroyed{0};
  struct tracked {
    std::shared_ptr<int> alive_marker;
    std::atomic<int>* destroyed;
    tracked(std::atomic<int>* d) : alive_marker(std::make_shared<int>(0)), destroyed(d) {}
    tracked(const tracked& o) : alive_marker(std::make_shared<int>(0)), destroyed(o.destroyed) {}
    ~tracked() {
      if (alive_marker) ++*destroyed;
    }
  };
  tracked proto(&destroyed);
  auto h = rt.spawn_vm("v", {actor<tracked>{proto}.publish("svc"_t),
                             actor<tracked>{proto}.subscribe("svc"_t)});
  h.shutdown();
  rt.wait();  // returns only because shutdown stopped both actors
  CHECK(destroyed >= 2);
}
