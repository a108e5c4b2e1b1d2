#include "vm_tree.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <utility>

#include "upper_link.hpp"

namespace agora::detail {

namespace {

/// Batches into a node of this tree; dropped once the node is gone.
class tree_channel final : public link_channel {
 public:
  tree_channel(std::weak_ptr<vm_tree::node> to, bool upward, std::uint64_t link)
      : to_(std::move(to)), upward_(upward), link_(link) {}
  void deliver(link_batch&& ops) override {
    auto n = to_.lock();
    if (!n) return;
    if (upward_) n->from_children.emplace_back(link_, std::move(ops));
    else n->from_parent.push_back(std::move(ops));
  }

 private:
  std::weak_ptr<vm_tree::node> to_;
  bool upward_;
  std::uint64_t link_;
};

}  // namespace

vm_tree::vm_tree(std::unique_ptr<vm_core> root) {
  auto n = std::make_shared<node>();
  n->core = std::move(root);
  nodes_.push_back(std::move(n));
}

std::unique_ptr<vm_tree> vm_tree::make_root(std::string name, std::shared_ptr<upper_level> upper) {
  std::unique_ptr<vm_tree> tree(new vm_tree());
  auto n = std::make_shared<node>();
  n->core = std::make_unique<vm_core>(std::move(name), tree.get());
  if (upper) {
    n->core->attach_upper(std::make_unique<upper_channel>(upper));
    tree->upper_port_ = std::make_unique<upper_port>(
        [to = std::weak_ptr<node>(n)](link_batch& ops) {
          if (auto root = to.lock()) root->from_parent.push_back(std::exchange(ops, {}));
        },
        [t = tree.get()](bool on) { t->held_ = on; });
    tree->upper_ = std::move(upper);
    tree->upper_->start(*tree->upper_port_);
  }
  tree->nodes_.push_back(std::move(n));
  tree->runs_nested_ = true;
  return tree;
}

vm_tree::~vm_tree() {
  if (upper_) upper_->stop();
}

std::unique_ptr<link_channel> vm_tree::start_child(vm_core& parent, std::uint64_t link,
                                                   std::string name,
                                                   std::shared_ptr<const nested_vm_spec> spec) {
  auto parent_node = std::find_if(nodes_.begin(), nodes_.end(),
                                  [&](const auto& n) { return n->core.get() == &parent; });
  if (parent_node == nodes_.end()) throw std::logic_error("nested vm: parent not in this tree");
  auto child = std::make_shared<node>();
  std::string path = parent.path() + "/" + name;
  child->core = std::make_unique<vm_core>(
      std::move(name), this, parent.depth() + 1, std::move(path),
      std::make_unique<tree_channel>(*parent_node, true, link), parent.reach() > parent.depth());
  child->core->set_trace(parent.trace());  // before its children: they are traced too
  child->core->set_log(parent.log());
  nodes_.push_back(child);  // first: its children may nest VMs in it
  spawn_children(*child->core, *spec);
  return std::make_unique<tree_channel>(child, false, 0);
}

bool vm_tree::deliver_mail(node& n) {
  bool any = false;
  while (!n.from_parent.empty()) {
    auto batch = std::move(n.from_parent.front());
    n.from_parent.pop_front();
    n.core->receive_down(std::move(batch));
    any = true;
  }
  while (!n.from_children.empty()) {
    auto [link, batch] = std::move(n.from_children.front());
    n.from_children.pop_front();
    n.core->receive_up(link, std::move(batch));
    any = true;
  }
  return any;
}

bool vm_tree::step() {
  if (held_) return false;
  if (!runs_nested_) return root().step();
  for (;;) {
    bool moved = false;
    // Index loop: starting a nested VM appends to nodes_.
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      auto n = nodes_[i];
      moved |= deliver_mail(*n);
      bool stepped = n->core->step();
      n->core->flush_links();
      if (stepped) {
        drop_finished();
        return true;
      }
    }
    drop_finished();
    // Flushing may have handed batches to VMs earlier in the order.
    moved |= std::any_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->has_mail(); });
    if (!moved) return false;
  }
}

void vm_tree::drop_finished() {
  // The root stays; a finished nested VM has said done (or was stopped).
  const node* root = nodes_.front().get();
  std::erase_if(nodes_, [&](const auto& n) {
    return n.get() != root && n->core->finished() && !n->has_mail() && n->core->idle();
  });
}

void vm_tree::set_trace(const trace_sink& sink) {
  for (auto& n : nodes_) n->core->set_trace(sink);
}

void vm_tree::set_log(const log_sink& sink) {
  for (auto& n : nodes_) n->core->set_log(sink);
}

bool vm_tree::idle() const noexcept {
  if (!runs_nested_) return root().idle();
  return std::all_of(nodes_.begin(), nodes_.end(),
                     [](const auto& n) { return !n->has_mail() && n->core->idle(); });
}

}  // namespace agora::detail
