// Routing index: a trie over the token streams of patterns.
//
// Memory layout, tuned for the common case of many distinct, narrow patterns
// (100,000 actors with `inbox(i)` each):
//  - a node is 40 bytes (one 48-byte malloc chunk): its own edge token, one
//    word for its children and one word for its entries;
//  - one child is stored inline as a pointer; two or more go to a child
//    table: a small array up to 4, then an open-addressing hash set of node
//    pointers with one tag byte per slot (about 9 bytes per slot at a load
//    factor of 0.4-0.8), hashed by the child's edge token;
//  - one entry is stored inline; two or more go to an entry table of the same
//    kind (array up to 8, then hashed), so removing one of 10,000 subscribers
//    of the same topic is O(1).
// Every walk (add, remove, match, overlap, destruction) is iterative, with
// its stacks kept in reused scratch vectors, so neither deep nor long
// patterns use the call stack, and a query does not allocate once the scratch
// vectors have grown to the size of the query.
#include "routing_index.hpp"

#include "hash_mix.hpp"

#include <array>
#include <cassert>
#include <cstring>
#include <functional>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace agora {

namespace {

using entry = routing_index::entry;

static_assert(sizeof(std::size_t) == 8, "hash tags assume 64-bit hashes");

using detail::mix;

// ---- tokens -------------------------------------------------------------------

enum class tok : std::uint8_t { atom, record, sequence, wildcard };

tok token_of(const term& t) noexcept {
  switch (t.kind()) {
    case kind::record: return tok::record;
    case kind::sequence: return tok::sequence;
    case kind::wildcard:
    case kind::capture: return tok::wildcard;
    default: return tok::atom;
  }
}

std::size_t opener_hash(tok type, std::string_view label, std::size_t arity) noexcept {
  std::size_t h = type == tok::record ? std::hash<std::string_view>{}(label) : 0x5e9;
  return mix(h ^ (arity << 1) ^ static_cast<std::size_t>(type));
}

// ---- small open-addressing table ---------------------------------------------

// A set of trivially copyable slots allocated as one block after this header:
// a plain array while cap <= linear_max, beyond that linear probing with a
// tag byte per slot (0 = empty, else 0x80 | top 7 hash bits), so probes only
// touch the slot itself when its tag matches. Duplicates are allowed; erasure
// shifts later slots back instead of leaving tombstones.
template <class Traits>
struct alignas(8) flat_table {
  using T = typename Traits::value;
  static constexpr std::uint32_t linear_max = Traits::linear_max;

  [[no_unique_address]] typename Traits::head head;
  std::uint32_t count;
  std::uint32_t cap;

  bool hashed() const noexcept { return cap > linear_max; }
  T* slots() noexcept { return reinterpret_cast<T*>(this + 1); }
  std::uint8_t* tags() noexcept { return reinterpret_cast<std::uint8_t*>(slots() + cap); }
  static std::uint8_t tag_of(std::size_t h) noexcept { return 0x80 | (h >> 57); }
  static std::uint32_t max_count(std::uint32_t cap) noexcept {
    return cap > linear_max ? static_cast<std::uint32_t>(std::uint64_t{cap} * 4 / 5) : cap;
  }

  static flat_table* create(std::uint32_t cap, typename Traits::head h) {
    std::size_t bytes = sizeof(flat_table) + cap * sizeof(T) + (cap > linear_max ? cap : 0);
    auto* t = new (::operator new(bytes)) flat_table{h, 0, cap};
    if (t->hashed()) std::memset(t->tags(), 0, cap);
    return t;
  }
  static void destroy(flat_table* t) noexcept {
    t->~flat_table();
    ::operator delete(t);
  }

  template <class Eq>
  T* find(std::size_t h, Eq&& eq) noexcept {
    if (!hashed()) {
      for (std::uint32_t i = 0; i < count; ++i)
        if (eq(slots()[i])) return &slots()[i];
      return nullptr;
    }
    const std::uint32_t mask = cap - 1;
    const std::uint8_t tag = tag_of(h);
    for (std::uint32_t i = h & mask;; i = (i + 1) & mask) {
      std::uint8_t t = tags()[i];
      if (t == 0) return nullptr;
      if (t == tag && eq(slots()[i])) return &slots()[i];
    }
  }

  template <class F>
  void for_each(F&& f) {
    if (!hashed()) {
      for (std::uint32_t i = 0; i < count; ++i) f(slots()[i]);
    } else {
      for (std::uint32_t i = 0; i < cap; ++i)
        if (tags()[i]) f(slots()[i]);
    }
  }

  static void insert(flat_table*& self, T v) {
    if (self->count == max_count(self->cap)) resize(self, self->cap * 2);
    self->put(v);
  }

  // Removes *slot (a pointer from find()); may shrink, reallocating *self.
  static void erase(flat_table*& self, T* slot) noexcept {
    self->erase_at(static_cast<std::uint32_t>(slot - self->slots()));
    // Shrink late (at 1/16 of the maximum load, to a quarter of the size) so
    // that a population that drains and refills does not resize each time.
    if (self->cap > 2 && self->count <= max_count(self->cap) / 16) {
      try {
        resize(self, self->cap / 4 > 2 ? self->cap / 4 : 2);
      } catch (const std::bad_alloc&) {
        // Shrinking only returns memory; the table stays valid as it is.
      }
    }
  }

 private:
  void put(T v) noexcept {
    if (!hashed()) {
      slots()[count++] = v;
      return;
    }
    const std::size_t h = Traits::hash(v);
    const std::uint32_t mask = cap - 1;
    std::uint32_t i = h & mask;
    while (tags()[i]) i = (i + 1) & mask;
    slots()[i] = v;
    tags()[i] = tag_of(h);
    ++count;
  }

  void erase_at(std::uint32_t hole) noexcept {
    --count;
    if (!hashed()) {
      slots()[hole] = slots()[count];
      return;
    }
    const std::uint32_t mask = cap - 1;
    for (std::uint32_t j = (hole + 1) & mask; tags()[j]; j = (j + 1) & mask) {
      std::uint32_t home = Traits::hash(slots()[j]) & mask;
      // The slot at j may move into the hole unless its home lies
      // cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots()[hole] = slots()[j];
      tags()[hole] = tags()[j];
      hole = j;
    }
    tags()[hole] = 0;
  }

  static void resize(flat_table*& self, std::uint32_t cap) {
    flat_table* t = create(cap, self->head);
    self->for_each([t](T v) { t->put(v); });
    destroy(self);
    self = t;
  }
};

// ---- trie nodes ---------------------------------------------------------------

struct node;
std::size_t node_hash(const node& n) noexcept;

struct child_traits {
  using value = node*;
  struct head {
    node* wild;  // the wildcard edge, kept apart: every walk looks at it
  };
  static constexpr std::uint32_t linear_max = 4;
  static std::size_t hash(node* n) noexcept { return node_hash(*n); }
};

struct entry_traits {
  using value = entry;
  struct head {};
  static constexpr std::uint32_t linear_max = 8;
  static std::size_t hash(entry e) noexcept { return mix(e); }
};

using child_table = flat_table<child_traits>;
using entry_table = flat_table<entry_traits>;

enum class slots : std::uint8_t { none, one, table };

struct node {
  term key;                // atom, or the label symbol of a record opener
  std::uint32_t arity = 0;  // record / sequence openers
  tok type = tok::atom;
  slots child_mode = slots::none;
  slots entry_mode = slots::none;
  union {
    node* one;
    child_table* table;
  } children{nullptr};
  union {
    entry one;
    entry_table* table;
  } entries{0};

  explicit node(const term& t) : type(token_of(t)) {
    switch (type) {
      case tok::atom: key = t; break;
      case tok::record: key = t.label_term(); [[fallthrough]];
      case tok::sequence: arity = static_cast<std::uint32_t>(t.size()); break;
      case tok::wildcard: break;
    }
  }

  bool empty() const noexcept {
    return child_mode == slots::none && entry_mode == slots::none;
  }

  // Is this the exact edge for the subterm t (not a wildcard)?
  bool is_edge_for(const term& t) const noexcept {
    switch (type) {
      case tok::atom: return key == t;
      case tok::record:
        return t.is_record() && t.size() == arity && t.label() == key.as_symbol();
      case tok::sequence: return t.is_sequence() && t.size() == arity;
      case tok::wildcard: return false;
    }
    return false;
  }

  node* wild_child() const noexcept {
    switch (child_mode) {
      case slots::one: return children.one->type == tok::wildcard ? children.one : nullptr;
      case slots::table: return children.table->head.wild;
      default: return nullptr;
    }
  }

  node* exact_child(const term& t) const noexcept {
    switch (child_mode) {
      case slots::one: return children.one->is_edge_for(t) ? children.one : nullptr;
      case slots::table: {
        auto eq = [&t](node* c) { return c->is_edge_for(t); };
        // A small table is a plain array: no hash needed to search it.
        node** c = children.table->find(children.table->hashed() ? token_hash(t) : 0, eq);
        return c ? *c : nullptr;
      }
      default: return nullptr;
    }
  }

  template <class F>
  void for_each_child(F&& f) const {
    switch (child_mode) {
      case slots::one: f(children.one); break;
      case slots::table:
        if (children.table->head.wild) f(children.table->head.wild);
        children.table->for_each(f);
        break;
      default: break;
    }
  }

  void add_child(node* c) {
    if (child_mode == slots::none) {
      children.one = c;
      child_mode = slots::one;
      return;
    }
    if (child_mode == slots::one) {
      child_table* t = child_table::create(2, {nullptr});
      place(t, children.one);
      children.table = t;
      child_mode = slots::table;
    }
    place(children.table, c);
  }

  void remove_child(node* c) {
    if (child_mode == slots::one) {
      child_mode = slots::none;
      children.one = nullptr;
      return;
    }
    child_table*& t = children.table;
    if (t->head.wild == c) {
      t->head.wild = nullptr;
    } else {
      node** slot = t->find(node_hash(*c), [c](node* x) { return x == c; });
      assert(slot);
      child_table::erase(t, slot);
    }
    if (t->count + (t->head.wild ? 1 : 0) == 1) {
      node* last = t->head.wild;
      if (!last) t->for_each([&last](node* x) { last = x; });
      child_table::destroy(t);
      children.one = last;
      child_mode = slots::one;
    }
  }

  void add_entry(entry e) {
    switch (entry_mode) {
      case slots::none:
        entries.one = e;
        entry_mode = slots::one;
        return;
      case slots::one: {
        entry_table* t = entry_table::create(2, {});
        entry_table::insert(t, entries.one);
        entries.table = t;
        entry_mode = slots::table;
        [[fallthrough]];
      }
      case slots::table: entry_table::insert(entries.table, e); return;
    }
  }

  bool remove_entry(entry e) {
    switch (entry_mode) {
      case slots::none: return false;
      case slots::one:
        if (entries.one != e) return false;
        entry_mode = slots::none;
        return true;
      case slots::table: {
        entry_table*& t = entries.table;
        entry* slot = t->find(mix(e), [e](entry x) { return x == e; });
        if (!slot) return false;
        entry_table::erase(t, slot);
        if (t->count == 1) {
          entry last = 0;
          t->for_each([&last](entry x) { last = x; });
          entry_table::destroy(t);
          entries.one = last;
          entry_mode = slots::one;
        }
        return true;
      }
    }
    return false;
  }

  void report(function_ref<void(entry)> f) const {
    switch (entry_mode) {
      case slots::none: return;
      case slots::one: f(entries.one); return;
      case slots::table: entries.table->for_each(f); return;
    }
  }

  // Frees the tables (not the children themselves).
  void release_tables() noexcept {
    if (child_mode == slots::table) child_table::destroy(children.table);
    if (entry_mode == slots::table) entry_table::destroy(entries.table);
    child_mode = entry_mode = slots::none;
  }

  static std::size_t token_hash(const term& t) noexcept {
    switch (token_of(t)) {
      case tok::atom: return t.hash();
      case tok::record: return opener_hash(tok::record, t.label(), t.size());
      case tok::sequence: return opener_hash(tok::sequence, {}, t.size());
      case tok::wildcard: break;
    }
    return 0;
  }

 private:
  static void place(child_table*& t, node* c) {
    if (c->type == tok::wildcard)
      t->head.wild = c;
    else
      child_table::insert(t, c);
  }
};

static_assert(sizeof(node) == 40, "a node should fit a 48-byte malloc chunk");

std::size_t node_hash(const node& n) noexcept {
  switch (n.type) {
    case tok::atom: return n.key.hash();
    case tok::record: return opener_hash(tok::record, n.key.as_symbol(), n.arity);
    case tok::sequence: return opener_hash(tok::sequence, {}, n.arity);
    case tok::wildcard: break;
  }
  return 0;
}

// ---- walking a query ----------------------------------------------------------

// One token of a flattened term, in preorder: the subterm it opens, and the
// position just after that whole subterm.
struct qtok {
  const term* t;
  std::uint32_t end;
};

// A point of a walk: at trie node n, about to read query token pos, after
// first skipping `pending` complete stored subterms (overlap with `_`).
struct state {
  const node* n;
  std::uint32_t pos;
  std::uint32_t pending;
};

struct scratch {
  // An open compound of the term being flattened: its items not yet emitted.
  struct frame {
    const term* next;
    const term* end;
    std::uint32_t opener;
  };
  std::vector<qtok> flat;
  std::vector<frame> frames;
  std::vector<state> states;
  std::vector<node*> path;

  void flatten(const term& root) {
    flat.clear();
    frames.clear();
    const term* t = &root;
    for (;;) {
      auto pos = static_cast<std::uint32_t>(flat.size());
      flat.push_back({t, pos + 1});
      auto items = t->items();  // empty for atoms, `_` and captures
      if (!items.empty()) frames.push_back({items.data(), items.data() + items.size(), pos});
      // Close the compounds whose items are all emitted.
      while (!frames.empty() && frames.back().next == frames.back().end) {
        flat[frames.back().opener].end = static_cast<std::uint32_t>(flat.size());
        frames.pop_back();
      }
      if (frames.empty()) return;
      t = frames.back().next++;
    }
  }
};

// ---- answers by shape ----------------------------------------------------------

// Under a record label and arity where the trie holds wildcard edges only
// (patterns such as bench(_, _)), every message of that label and arity
// matches the same entries: a stream of such messages need not walk the
// trie each. An answer is kept with the index's generation (changed by
// every add and remove), and also when it does depend on more than the
// shape (by_shape false: walk).
struct shape_answer {
  term label;  // a symbol once used
  std::uint32_t arity = 0;
  std::uint64_t generation = 0;  // 0: unused
  bool by_shape = false;
  std::vector<entry> entries;
};

}  // namespace

struct routing_index::impl {
  node root{term()};
  std::size_t entries = 0;
  std::size_t nodes = 1;
  std::uint64_t generation = 1;
  mutable scratch buffers;
  mutable bool busy = false;
  mutable std::array<shape_answer, 4> shapes;
  mutable std::uint32_t next_shape = 0;
  // The memory of pruned nodes, for the next ones: endpoints come and go
  // with patterns of the same shapes, and a pattern's own nodes are made
  // with its endpoint and pruned with it.
  static constexpr std::size_t max_spare_nodes = 256;
  std::vector<void*> spare_nodes;

  node* make_node(const term& t) {
    void* p;
    if (spare_nodes.empty()) {
      p = ::operator new(sizeof(node));
    } else {
      p = spare_nodes.back();
      spare_nodes.pop_back();
    }
    try {
      return new (p) node(t);
    } catch (...) {
      ::operator delete(p);
      throw;
    }
  }

  void free_node(node* n) noexcept {
    n->~node();
    if (spare_nodes.size() < spare_nodes.capacity()) spare_nodes.push_back(n);  // never reallocates
    else ::operator delete(n);
  }

  /// The entries every message of the record m's label and arity matches,
  /// if that is all they depend on.
  const shape_answer* answer_by_shape(const term& m) const {
    const std::string_view label = m.label();
    const auto arity = static_cast<std::uint32_t>(m.size());
    for (const auto& s : shapes)
      if (s.generation == generation && s.arity == arity && s.label.as_symbol() == label)
        return s.by_shape ? &s : nullptr;
    auto& s = shapes[next_shape++ % shapes.size()];
    s.label = m.label_term();
    s.arity = arity;
    s.generation = generation;
    s.entries.clear();
    s.by_shape = collect_by_shape(m, s.entries);
    return s.by_shape ? &s : nullptr;
  }

  /// The walk for a record whose fields are not looked at: the root's
  /// wildcard, then a chain of wildcard edges under m's opener, one per
  /// field. False when an exact edge (or an entry off the chain's end)
  /// makes the answer depend on the fields.
  bool collect_by_shape(const term& m, std::vector<entry>& out) const {
    auto keep = [&out](entry e) { out.push_back(e); };
    if (const node* w = root.wild_child()) w->report(keep);
    const node* n = root.exact_child(m);
    for (std::size_t depth = 0; n; ++depth) {
      if (depth == m.size()) {
        if (n->child_mode != slots::none) return false;
        n->report(keep);
        return true;
      }
      if (n->entry_mode != slots::none) return false;
      if (n->child_mode == slots::none) return true;  // nothing under it
      // One child, the wildcard (two or more make a table: an exact one).
      if (n->child_mode != slots::one) return false;
      n = n->wild_child();
      if (!n) return false;
    }
    return true;
  }

  impl() { spare_nodes.reserve(max_spare_nodes); }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  ~impl() {
    std::vector<node*> todo;
    root.for_each_child([&todo](node* c) { todo.push_back(c); });
    root.release_tables();
    while (!todo.empty()) {
      node* n = todo.back();
      todo.pop_back();
      n->for_each_child([&todo](node* c) { todo.push_back(c); });
      n->release_tables();
      n->~node();
      ::operator delete(n);
    }
    for (void* p : spare_nodes) ::operator delete(p);
  }

  // Lends the shared scratch buffers, or fresh ones if a callback of a query
  // in progress calls back into the index.
  class lease {
   public:
    explicit lease(const impl& i) : owner_(i.busy ? nullptr : &i) {
      if (owner_)
        owner_->busy = true;
      else
        local_.emplace();
    }
    ~lease() {
      if (owner_) owner_->busy = false;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    scratch& get() noexcept { return owner_ ? owner_->buffers : *local_; }
    bool owner() const noexcept { return owner_ != nullptr; }

   private:
    const impl* owner_;
    std::optional<scratch> local_;
  };

  // Deletes the empty nodes at the end of path (never the root).
  void prune(const std::vector<node*>& path) {
    for (std::size_t i = path.size() - 1; i > 0 && path[i]->empty(); --i) {
      path[i - 1]->remove_child(path[i]);
      free_node(path[i]);
      --nodes;
    }
  }
};

routing_index::routing_index() : impl_(std::make_unique<impl>()) {}
routing_index::~routing_index() = default;
routing_index::routing_index(routing_index&&) noexcept = default;
routing_index& routing_index::operator=(routing_index&&) noexcept = default;

void routing_index::add(const term& p, entry e) {
  if (!impl_) impl_ = std::make_unique<impl>();
  ++impl_->generation;
  impl::lease l(*impl_);
  scratch& s = l.get();
  s.flatten(p);
  s.path.clear();
  node* n = &impl_->root;
  s.path.push_back(n);
  try {
    for (const qtok& q : s.flat) {
      node* c = token_of(*q.t) == tok::wildcard ? n->wild_child() : n->exact_child(*q.t);
      if (!c) {
        c = impl_->make_node(*q.t);
        try {
          n->add_child(c);
        } catch (...) {
          impl_->free_node(c);
          throw;
        }
        ++impl_->nodes;
      }
      s.path.push_back(c);
      n = c;
    }
    n->add_entry(e);
  } catch (...) {
    impl_->prune(s.path);
    throw;
  }
  ++impl_->entries;
}

bool routing_index::remove(const term& p, entry e) {
  if (!impl_) return false;
  ++impl_->generation;
  impl::lease l(*impl_);
  scratch& s = l.get();
  s.flatten(p);
  s.path.clear();
  node* n = &impl_->root;
  s.path.push_back(n);
  for (const qtok& q : s.flat) {
    n = token_of(*q.t) == tok::wildcard ? n->wild_child() : n->exact_child(*q.t);
    if (!n) return false;
    s.path.push_back(n);
  }
  if (!n->remove_entry(e)) return false;
  --impl_->entries;
  impl_->prune(s.path);
  return true;
}

void routing_index::for_each_match(const term& m, function_ref<void(entry)> f) const {
  if (!impl_) return;
  impl::lease l(*impl_);
  // Not from inside a callback: the answers are the outer query's.
  if (m.is_record() && l.owner()) {
    if (const shape_answer* a = impl_->answer_by_shape(m)) {
      for (entry e : a->entries) f(e);
      return;
    }
  }
  scratch& s = l.get();
  s.flatten(m);
  const auto last = static_cast<std::uint32_t>(s.flat.size());
  auto& branches = s.states;  // wildcard edges still to explore
  branches.clear();
  state at{&impl_->root, 0, 0};
  for (;;) {
    if (at.pos == last) {
      at.n->report(f);
    } else {
      const qtok& q = s.flat[at.pos];
      if (const node* w = at.n->wild_child()) branches.push_back({w, q.end, 0});
      // A wildcard in m (a flow) is only matched by a wildcard in a pattern.
      const node* c = token_of(*q.t) == tok::wildcard ? nullptr : at.n->exact_child(*q.t);
      if (c) {
        at = {c, at.pos + 1, 0};
        continue;
      }
    }
    if (branches.empty()) return;
    at = branches.back();
    branches.pop_back();
  }
}

void routing_index::for_each_overlap(const term& p, function_ref<void(entry)> f) const {
  if (!impl_) return;
  impl::lease l(*impl_);
  scratch& s = l.get();
  s.flatten(p);
  const auto last = static_cast<std::uint32_t>(s.flat.size());
  auto& st = s.states;
  st.clear();
  st.push_back({&impl_->root, 0, 0});
  // Pushes the child c that reads one stored subterm while `pending` more
  // remain to be skipped, after which the query resumes at `pos`.
  auto skip_into = [&st](const node* c, std::uint32_t pos, std::uint32_t pending) {
    st.push_back({c, pos, pending + (c->type == tok::wildcard ? 0 : c->arity)});
  };
  while (!st.empty()) {
    const state at = st.back();
    st.pop_back();
    if (at.pending > 0) {
      at.n->for_each_child([&](const node* c) { skip_into(c, at.pos, at.pending - 1); });
      continue;
    }
    if (at.pos == last) {
      at.n->report(f);
      continue;
    }
    const qtok& q = s.flat[at.pos];
    if (const node* w = at.n->wild_child()) st.push_back({w, q.end, 0});
    if (token_of(*q.t) == tok::wildcard) {
      // `_` in the query: skip one complete stored subterm along every exact
      // edge (the wildcard edge was taken above).
      at.n->for_each_child([&](const node* c) {
        if (c->type != tok::wildcard) skip_into(c, q.end, 0);
      });
      continue;
    }
    if (const node* c = at.n->exact_child(*q.t)) st.push_back({c, at.pos + 1, 0});
  }
}

std::size_t routing_index::size() const noexcept { return impl_ ? impl_->entries : 0; }

std::size_t routing_index::node_count() const noexcept { return impl_ ? impl_->nodes : 0; }

}  // namespace agora
