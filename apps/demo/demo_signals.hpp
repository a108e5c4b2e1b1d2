// SIGINT, SIGTERM, SIGHUP and SIGPIPE (a closed terminal or pipe) do not
// kill the cluster demo outright: they set a flag that its waits check, so
// that it unwinds and stops every node it started. (Handled, not ignored:
// the children get the default dispositions back when they exec.)
#pragma once

#include <signal.h>

#include <csignal>
#include <stdexcept>

namespace agora_demo {

inline volatile std::sig_atomic_t interrupted_by = 0;

inline void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = [](int sig) { interrupted_by = sig; };
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaction(sig, &sa, nullptr);
}

/// Throws once a signal came.
inline void throw_if_interrupted() {
  if (interrupted_by != 0) throw std::runtime_error("interrupted by signal " + std::to_string(interrupted_by));
}

}  // namespace agora_demo
