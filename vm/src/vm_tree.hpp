// The deterministic executor: a root VM and every VM nested in it, run in
// one thread, one event at a time, in a fixed order. agora::vm uses it, so
// nesting is testable step by step; agora::runtime runs each VM as its own
// CAF actor instead (runtime_caf.cpp).
#pragma once

#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "agora/upper_level.hpp"
#include "vm_core.hpp"

namespace agora::detail {

class vm_tree final : public vm_executor {
 public:
  /// A tree whose root is `root`. Its nested VMs run here only if the root
  /// was made with this tree as executor (make_root).
  explicit vm_tree(std::unique_ptr<vm_core> root);
  /// A tree whose root VM, and all VMs nested in it, run here; with
  /// `upper`, the root has that level above it (started now, stopped when
  /// the tree goes).
  static std::unique_ptr<vm_tree> make_root(std::string name,
                                            std::shared_ptr<upper_level> upper = nullptr);
  ~vm_tree() override;

  vm_core& root() noexcept { return *nodes_.front()->core; }
  const vm_core& root() const noexcept { return *nodes_.front()->core; }

  /// Delivers one event somewhere in the tree (after handing over every
  /// pending batch). False when the whole tree is idle.
  bool step();
  bool idle() const noexcept;
  std::size_t vm_count() const noexcept { return nodes_.size(); }
  /// Sets the trace sink of every VM of the tree (nested ones started
  /// later inherit their parent's).
  void set_trace(const trace_sink& sink);
  /// The same for the log sink.
  void set_log(const log_sink& sink);

  std::unique_ptr<link_channel> start_child(vm_core& parent, std::uint64_t link, std::string name,
                                            std::shared_ptr<const nested_vm_spec> spec) override;

  struct node {
    std::unique_ptr<vm_core> core;
    std::deque<link_batch> from_parent;
    std::deque<std::pair<std::uint64_t, link_batch>> from_children;
    bool has_mail() const noexcept { return !from_parent.empty() || !from_children.empty(); }
  };

 private:
  vm_tree() = default;
  /// Hands over a node's mail; true if there was any.
  static bool deliver_mail(node& n);
  void drop_finished();

  std::vector<std::shared_ptr<node>> nodes_;  // root first, then in creation order
  std::shared_ptr<upper_level> upper_;
  std::unique_ptr<root_port> upper_port_;
  bool held_ = false;  // the upper level pushes back: no turns
  // False when another executor runs the root's nested VMs: then step()
  // leaves flushing to that executor, which batches per slice.
  bool runs_nested_ = false;
};

}  // namespace agora::detail
