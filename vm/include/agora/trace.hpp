// Tracing a VM: one line of text per event, for people.
//
//   agora::vm v("root");
//   v.trace(agora::trace_to(stderr));   // on
//   ...
//   v.trace({});                        // off (the default)
//
// A traced VM reports, one line each, prefixed by its path ("[root/jobs] "):
// turns (which actor, what triggered it, then whether it committed or
// crashed and was rolled back), endpoints added and removed, presence and
// absence events as they are *queued* (their delivery is the turn that
// follows), messages routed (with the number of endpoints they reached),
// link batches to and from nested VMs, and actors spawned and stopped.
// Terms print in text syntax (term::to_string()), e.g.
//
//   [root] turn 7: actor 2 "bob" <- message say("hi") at ep 3
//   [root] turn 7: actor 2 "bob" committed 1 action
//   [root] send said("bob", "hi") -> 2 endpoints
//
// The format is for reading, not parsing: it may change between versions.
//
// Cost: when no sink is set every trace point is one predictable branch, and
// nothing is formatted or allocated.
#pragma once

#include <cstdio>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace agora {

/// Receives trace lines, one line per call, without the trailing newline.
///
/// Thread-safety: the sink is called on the thread running the VM, between
/// or during its turns (never concurrently for one VM). A VM passes its sink
/// on to the VMs nested in it; under agora::runtime those run in parallel on
/// other threads, so a sink shared by a tree of VMs must be thread-safe (the
/// trace_to / trace_into helpers below are: each line is written whole).
///
/// The sink must not call into the VM it traces. An exception thrown by the
/// sink is swallowed and counted (vm_stats::trace_errors); the VM goes on.
using trace_sink = std::function<void(std::string_view line)>;

/// Writes each line plus '\n' to f with one locked stdio call (lines from
/// parallel VMs do not interleave). f must outlive the sink's use.
trace_sink trace_to(std::FILE* f);

/// Writes each line plus '\n' to os, under a mutex shared by the copies of
/// this sink. os must outlive the sink's use.
trace_sink trace_to(std::ostream& os);

/// Appends each line to `lines`, under a mutex shared by the copies of this
/// sink (read `lines` once the VMs are idle or stopped). For tests.
trace_sink trace_into(std::vector<std::string>& lines);

}  // namespace agora
