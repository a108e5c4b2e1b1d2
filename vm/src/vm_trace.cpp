// Tracing (agora/trace.hpp): the text of each trace line, and the sinks.
// Everything here runs only when a VM has a sink; the VM's hot paths only
// test whether it has one (vm_core.cpp), so none of this is inlined there.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <ostream>

#include "agora/trace.hpp"
#include "vm_core.hpp"

namespace agora {

trace_sink trace_to(std::FILE* f) {
  return [f](std::string_view line) {
    // One stdio lock per line: lines from parallel VMs do not interleave.
    flockfile(f);
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    funlockfile(f);
  };
}

trace_sink trace_to(std::ostream& os) {
  return [&os, m = std::make_shared<std::mutex>()](std::string_view line) {
    std::lock_guard lock(*m);
    os << line << '\n';
  };
}

trace_sink trace_into(std::vector<std::string>& lines) {
  return [&lines, m = std::make_shared<std::mutex>()](std::string_view line) {
    std::lock_guard lock(*m);
    lines.emplace_back(line);
  };
}

}  // namespace agora

namespace agora::detail {

namespace {

std::string_view kind_name(event_kind k) noexcept {
  switch (k) {
    case event_kind::start: return "start";
    case event_kind::presence: return "presence";
    case event_kind::absence: return "absence";
    case event_kind::message: return "message";
    case event_kind::feedback: return "feedback";
    case event_kind::posted: return "posted turn";
  }
  return "?";
}

std::string_view op_name(link_op_kind k) noexcept {
  switch (k) {
    case link_op_kind::add: return "add";
    case link_op_kind::remove: return "remove";
    case link_op_kind::send: return "send";
    case link_op_kind::spawn: return "spawn";
    case link_op_kind::done: return "done";
    case link_op_kind::event: return "event";
    case link_op_kind::stop: return "stop";
  }
  return "?";
}

const char* plural(std::size_t n) noexcept { return n == 1 ? "" : "s"; }

using buffer = fmt::memory_buffer;

}  // namespace

void vm_core::trace_line(std::string_view text) {
  buffer line;
  fmt::format_to(std::back_inserter(line), "[{}] {}", path_, text);
  try {
    trace_(std::string_view(line.data(), line.size()));
  } catch (...) {
    ++stats_.trace_errors;  // a sink's failure never reaches the VM
  }
}

std::string vm_core::trace_actor(std::uint32_t a) const {
  std::string text = "actor " + actors_.id_of(a).to_string();
  if (actors_[a].named) {
    auto it = names_.find(a);
    if (it != names_.end()) text += " " + term(it->second).to_string();
  }
  return text;
}

void vm_core::trace_turn_start(std::uint32_t a, const queued_event& ev) {
  buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "turn {}: {} <- {}", stats_.turns + 1, trace_actor(a), kind_name(ev.kind));
  if (ev.kind != event_kind::start && ev.kind != event_kind::posted)
    fmt::format_to(out, " {} at endpoint {}", ev.topic.to_string(),
                   endpoint_id{ev.target}.to_string());
  if (ev.kind == event_kind::absence) fmt::format_to(out, ", why {}", ev.why.to_string());
  trace_line({b.data(), b.size()});
}

void vm_core::trace_turn_end(std::uint32_t a, std::size_t actions, const std::string* crash) {
  if (crash)
    trace_line(fmt::format("turn {}: {} {}, rolled back {} action{}", stats_.turns,
                           trace_actor(a), reason::crashed(*crash).to_string(), actions,
                           plural(actions)));
  else
    trace_line(fmt::format("turn {}: {} committed {} action{}", stats_.turns, trace_actor(a),
                           actions, plural(actions)));
}

void vm_core::trace_endpoint(std::uint32_t e, const term* removed_why) {
  const auto& ep = endpoints_[e];
  buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "endpoint {} {}: {}, {} {} {}", endpoints_.id_of(e).to_string(),
                 removed_why ? "removed" : "added", trace_actor(ep.owner), to_string(ep.role),
                 to_string(ep.interest), ep.topic.to_string());
  if (ep.level > 0) fmt::format_to(out, ", level {}", ep.level);
  if (removed_why) fmt::format_to(out, ", why {}", removed_why->to_string());
  trace_line({b.data(), b.size()});
}

void vm_core::trace_queued(std::uint64_t endpoint, event_kind k, const term& flow,
                           const term& why, bool from_parent) {
  if (k != event_kind::presence && k != event_kind::absence) return;  // see trace_route
  buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "{}{} queued for endpoint {}", kind_name(k), from_parent ? " from parent" : "",
                 endpoint_id{endpoint}.to_string());
  if (auto* ep = endpoints_.live(endpoint_id{endpoint})) fmt::format_to(out, " of {}", trace_actor(ep->owner));
  else fmt::format_to(out, " (gone)");
  fmt::format_to(out, ": {}", flow.to_string());
  if (k == event_kind::absence) fmt::format_to(out, ", why {}", why.to_string());
  trace_line({b.data(), b.size()});
}

void vm_core::trace_route(const term& m, bool feedback, std::size_t targets) {
  trace_line(fmt::format("{} {} -> {} endpoint{}", feedback ? "feedback" : "send", m.to_string(),
                         targets, plural(targets)));
}

void vm_core::trace_batch(const link_batch& ops, std::uint32_t proxy) {
  buffer b;
  auto out = std::back_inserter(b);
  if (proxy == no_slot) fmt::format_to(out, "up: ");
  else fmt::format_to(out, "down to {}: ", trace_actor(proxy));
  fmt::format_to(out, "{} link op{} (", ops.size(), plural(ops.size()));
  // Kinds in order, runs collapsed: "add, send x3, remove".
  for (std::size_t i = 0; i < ops.size();) {
    std::size_t j = i;
    while (j < ops.size() && ops[j].kind == ops[i].kind) ++j;
    fmt::format_to(out, "{}{}", i ? ", " : "", op_name(ops[i].kind));
    if (j - i > 1) fmt::format_to(out, " x{}", j - i);
    i = j;
  }
  fmt::format_to(out, ")");
  trace_line({b.data(), b.size()});
}

void vm_core::trace_spawn(std::uint32_t a, const actor_spec& spec) {
  buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "spawn {}: ", trace_actor(a));
  if (spec.vm)
    fmt::format_to(out, "nested vm, {} child{}", spec.vm->children.size(),
                   spec.vm->children.size() == 1 ? "" : "ren");
  else
    fmt::format_to(out, "{} endpoint{}", spec.endpoints.size(), plural(spec.endpoints.size()));
  if (actors_[a].start_pending) fmt::format_to(out, ", on_start");
  trace_line({b.data(), b.size()});
}

void vm_core::trace_stop(std::uint32_t a, const term& why) {
  trace_line(fmt::format("stop {}, why {}", trace_actor(a), why.to_string()));
}

}  // namespace agora::detail
