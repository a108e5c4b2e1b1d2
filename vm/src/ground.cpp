#include "agora/ground.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "vm_access.hpp"
#include "vm_core.hpp"

namespace agora {

namespace asio = boost::asio;

struct ground::impl {
  explicit impl(ground_config c) : config(std::move(c)), signals(signal_io) {}

  ground_config config;
  // A concurrency hint of 1 lets Asio queue handlers posted from the I/O
  // thread itself without locking.
  asio::io_context io{config.io_threads <= 1 ? 1 : static_cast<int>(config.io_threads)};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> io_threads;
  // The ground VM runs here, on the I/O thread(s): a completion becomes an
  // event without a thread hop. With one I/O thread, that thread is the
  // strand.
  asio::any_io_executor vm_executor =
      config.io_threads <= 1 ? asio::any_io_executor(io.get_executor())
                             : asio::any_io_executor(asio::make_strand(io));
  // Signals have a thread of their own, so that SIGINT still works while a
  // handler in the ground VM holds the I/O thread.
  asio::io_context signal_io;
  std::thread signal_thread;
  asio::signal_set signals;
  std::unique_ptr<runtime> rt;
  std::vector<actor_spec> early;  // spawned before run()
  std::shared_ptr<upper_level> upper;

  std::mutex mutex;
  std::condition_variable stop_wanted;
  bool stopping = false;
  bool ran = false;
  int code = 0;
  vm_handle handle;

  // Posted turns (io_port::post) wait here for the ground VM, which takes
  // them all at once: under load, one hop to the VM carries many I/O
  // completions instead of one each.
  struct posted_turn {
    actor_id who;
    std::function<void(turn_base&)> f;
  };
  std::mutex post_mutex;
  std::vector<posted_turn> posted;      // guarded by post_mutex
  std::vector<posted_turn> delivering;  // the VM's side of the swap (keeps capacity)
  vm_handle post_target;                // guarded; set once run() has the VM
  bool delivery_posted = false;         // guarded

  void post(actor_id who, std::function<void(turn_base&)> f) {
    vm_handle target;
    {
      std::lock_guard lock(post_mutex);
      posted.push_back({who, std::move(f)});
      if (delivery_posted || !post_target) return;
      delivery_posted = true;
      target = post_target;
    }
    post_delivery(target);
  }

  /// From run(): turns posted before the VM existed go to it now.
  void open_posts(const vm_handle& h) {
    {
      std::lock_guard lock(post_mutex);
      post_target = h;
      if (posted.empty() || delivery_posted) return;
      delivery_posted = true;
    }
    post_delivery(h);
  }

  void post_delivery(const vm_handle& h) {
    h.post([this](vm& v) {
      {
        std::lock_guard lock(post_mutex);
        delivering.swap(posted);
        delivery_posted = false;
      }
      for (auto& p : delivering) v.post(p.who, std::move(p.f));
      delivering.clear();
    });
  }

  /// Before run() has a ground VM, keep `item` for it; afterwards, hand it
  /// over at once (outside the lock).
  template <class T, class Use>
  void now_or_later(std::vector<T>& pending, T item, Use use) {
    std::unique_lock lock(mutex);
    if (!handle) {
      pending.push_back(std::move(item));
      return;
    }
    auto h = handle;
    lock.unlock();
    use(h, std::move(item));
  }

  void request_stop(int exit_code) {
    {
      std::lock_guard lock(mutex);
      if (stopping) return;  // the first reason wins
      stopping = true;
      code = exit_code;
    }
    stop_wanted.notify_all();
  }

  std::mutex io_mutex;
  std::condition_variable io_idle;
  std::size_t io_running = 0;  // guarded by io_mutex

  void start_io() {
    work.emplace(io.get_executor());
    const std::size_t n = std::max<std::size_t>(1, config.io_threads);
    io_running = n;
    for (std::size_t i = 0; i < n; ++i)
      io_threads.emplace_back([this] {
        run_io();
        std::lock_guard lock(io_mutex);
        if (--io_running == 0) io_idle.notify_all();
      });
  }

  /// io.run(), but an I/O thread that runs out of ready work polls for up
  /// to busy_poll before it sleeps: the answer to what it just sent often
  /// comes within that time, and is then taken without a wake-up (which
  /// costs tens of microseconds on a virtual machine).
  void run_io() {
    const auto spin = config.busy_poll;
    if (spin.count() <= 0) {
      io.run();
      return;
    }
    using clock = std::chrono::steady_clock;
    for (;;) {
      if (io.stopped()) return;
      if (io.poll() > 0) continue;
      const auto until = clock::now() + spin;
      bool ran = false;
      // Yielding between polls: a thread this one keeps from its CPU (the
      // peer it waits for, on a busy machine) runs first.
      while (!ran && clock::now() < until && !io.stopped()) {
        std::this_thread::yield();
        ran = io.poll() > 0;
      }
      if (ran) continue;
      if (io.run_one() == 0) return;  // stopped, or out of work for good
    }
  }

  /// Lets the I/O threads finish what drivers started on their way out
  /// (graceful closes draining their last writes) — until the io_context
  /// runs out of work, or `linger` passed — then stops them.
  void stop_io(std::chrono::milliseconds linger) {
    if (signal_thread.joinable()) {
      signals.cancel();
      signal_io.stop();
      signal_thread.join();
    }
    work.reset();
    {
      std::unique_lock lock(io_mutex);
      io_idle.wait_for(lock, linger, [&] { return io_running == 0; });
    }
    io.stop();
    for (auto& t : io_threads) t.join();
    io_threads.clear();
  }

  void watch_signals() {
    if (!config.handle_signals) return;
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) request_stop(0);
    });
    signal_thread = std::thread([this] { signal_io.run(); });
  }

  /// Runs in the ground VM before anything else: the exit listener, the
  /// drivers, then the root, whose stop ends run().
  void setup(vm& v, std::vector<actor_spec> drivers, actor_spec root) {
    v.spawn(actor<>{{}, "agora.exit"}.on_message(
        rec("agora.exit", cap("code")), [this](turn<>&, const message& m) {
          const term& c = m["code"];
          request_stop(c.is_int() ? static_cast<int>(c.as_int()) : 1);
        }));
    for (auto& spec : drivers) {
      const std::string name = spec.name;  // spawn takes the spec
      try {
        v.spawn(std::move(spec));
      } catch (const std::exception& e) {
        write_log(config.log, log_level::error,
                  fmt::format("ground: starting {} failed: {}", name, e.what()));
      }
    }
    auto root_id = std::make_shared<std::optional<actor_id>>();
    detail::vm_access::core(v).on_actor_exit([this, root_id](actor_id who, const term& why) {
      if (*root_id && **root_id == who) request_stop(reason(why).is_normal() ? 0 : 1);
    });
    try {
      *root_id = v.spawn(std::move(root));
      if (!v.alive(**root_id)) request_stop(0);  // it was inert from the start
    } catch (const std::exception& e) {
      write_log(config.log, log_level::error,
                fmt::format("ground: starting the root failed: {}", e.what()));
      request_stop(1);
    }
  }
};

ground::ground(ground_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

ground::~ground() {
  if (impl_->rt) {
    impl_->handle.post([](vm& v) { v.stop_all(reason::shutdown()); });
    impl_->rt->wait_for(impl_->config.shutdown_timeout);
  }
  impl_->stop_io(impl_->config.shutdown_timeout);
}

void ground::attach(std::shared_ptr<upper_level> upper) {
  if (impl_->ran) throw std::logic_error("ground::attach after run()");
  impl_->upper = std::move(upper);
}

void ground::spawn(actor_spec spec) {
  impl_->now_or_later(impl_->early, std::move(spec),
                      [](const vm_handle& h, actor_spec s) { h.spawn(std::move(s)); });
}

int ground::run(actor_spec root) {
  auto& m = *impl_;
  if (m.ran) throw std::logic_error("ground::run called twice");
  m.ran = true;
  m.watch_signals();
  m.start_io();
  m.rt = std::make_unique<runtime>(
      runtime_config{.threads = m.config.threads,
                     .events_per_slice = m.config.events_per_slice,
                     .trace = m.config.trace,
                     .log = m.config.log});
  // Under the lock: whatever spawn() or post() hand over from other
  // threads goes either into the setup or, once the handle is set, to it.
  vm_handle h;
  {
    std::lock_guard lock(m.mutex);
    h = m.rt->spawn_hosted_vm(
        m.config.name,
        [&m](std::function<void()> f) { asio::post(m.vm_executor, std::move(f)); },
        [&m, drivers = std::move(m.early), root = std::move(root)](vm& v) mutable {
          m.setup(v, std::move(drivers), std::move(root));
        },
        m.upper, m.config.nested_on_io_thread);
    m.handle = h;
  }
  m.open_posts(h);

  int code;
  {
    std::unique_lock lock(m.mutex);
    m.stop_wanted.wait(lock, [&] { return m.stopping; });
    code = m.code;
  }
  // Orderly: the root tree first (newest actors first), drivers last. A
  // nested VM passes the reason down to its children.
  h.post([](vm& v) { v.stop_all(reason::shutdown()); });
  if (!m.rt->wait_for(m.config.shutdown_timeout)) {
    write_log(m.config.log, log_level::error,
              fmt::format("ground: shutdown did not finish within {} ms (an actor's handler does "
                          "not return?); forcing exit with code {}",
                          m.config.shutdown_timeout.count(), code));
    std::fflush(nullptr);
    std::_Exit(code);
  }
  m.stop_io(m.config.shutdown_timeout);
  m.rt.reset();
  return code;
}

void ground::shutdown(int code) { impl_->request_stop(code); }

vm_handle ground::handle() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->handle;
}

asio::io_context& ground::io() noexcept { return impl_->io; }

void ground::post(actor_id who, std::function<void(turn_base&)> f) {
  impl_->post(who, std::move(f));
}

const log_sink& ground::log() const noexcept { return impl_->config.log; }

bool ground::serial() const noexcept { return impl_->config.io_threads <= 1; }

}  // namespace agora
