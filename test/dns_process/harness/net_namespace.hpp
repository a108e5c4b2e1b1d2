// A fresh network namespace for a test: run_in_net_namespace(f) runs f on
// a thread of its own that first leaves the host's network namespace
// (unshare(CLONE_NEWNET)) and brings up its loopback interface. Network
// namespaces belong to a thread, not a process, so only that thread moves:
// the sockets it opens and the processes it spawns (which inherit it) see
// a network with `lo` alone, where servers may bind 127.0.x.y:53 without
// touching the host or other tests. The namespace goes away when the last
// of them does. Needs root (CAP_SYS_ADMIN); elsewhere the result is the
// line a test prints when it skips.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "codec/result.hpp"

namespace dns_process {

/// Moves the calling thread into a new network namespace with `lo` up
/// (for good: call it only on a thread of your own, as run_in_net_namespace).
/// Nullopt on success, else "skipped: cannot create a network namespace
/// (unshare(CLONE_NEWNET): Operation not permitted; needs root)".
std::optional<std::string> enter_new_net_namespace();

/// The calling thread's network namespace, as /proc names it:
/// "net:[4026531840]".
std::string current_net_namespace();

/// The network namespace of the process's main thread (the host's, for a
/// test program started normally).
std::string process_net_namespace();

/// True if the calling thread is in another network namespace than the
/// process's main thread: what servers on port 53 check before binding.
bool in_own_net_namespace();

/// Why f did not run: the line a test prints when it skips.
struct namespace_skipped {
  std::string why;
};

/// What f returned (std::monostate for a void f), or why it did not run.
template <class T>
using in_namespace = agora::dns::result<T, namespace_skipped>;

/// The value f's result is kept as (a copy, never a reference).
template <class F>
using namespace_value_t = std::conditional_t<std::is_void_v<std::invoke_result_t<F&>>, std::monostate,
                                             std::remove_cvref_t<std::invoke_result_t<F&>>>;

/// Runs f on a new thread inside a new network namespace and returns what
/// it returned; an exception f throws (a failed REQUIRE too) is rethrown
/// here. If the namespace cannot be made, f does not run and the result
/// holds the skip line.
template <class F>
in_namespace<namespace_value_t<F>> run_in_net_namespace(F f) {
  using value = namespace_value_t<F>;
  std::optional<value> out;
  std::optional<std::string> skipped;
  std::exception_ptr thrown;
  std::thread worker([&] {
    try {
      skipped = enter_new_net_namespace();
      if (skipped) return;
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
        out.emplace();
      } else {
        out.emplace(f());
      }
    } catch (...) {
      thrown = std::current_exception();
    }
  });
  worker.join();
  if (thrown) std::rethrow_exception(thrown);
  if (skipped) return namespace_skipped{std::move(*skipped)};
  return std::move(*out);
}

}  // namespace dns_process
