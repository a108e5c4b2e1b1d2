// Matching and intersection of patterns.
//
// Depth: the predicates (matches, overlaps, match) recurse over the nesting
// of the terms but loop on the last item of every compound, so right-nested
// chains such as cons(x, cons(y, ...)) cost no stack at any length; other
// shapes take one small frame per level, which is fine for the thousands of
// levels a term can reasonably have (decoders bound depth; term's own
// destructor and operator== recurse per level too). overlap() and
// strip_captures() build terms, so they use an explicit stack instead.
#include "agora/pattern.hpp"

#include <fmt/format.h>

namespace agora {

namespace {

bool is_hole(const term& t) noexcept { return t.is_wildcard() || t.is_capture(); }

// Same kind, same label, same number of items (for two compounds).
bool same_shape(const term& a, const term& b) noexcept {
  if (a.kind() != b.kind()) return false;
  if (a.is_record() && a.label() != b.label()) return false;
  return a.size() == b.size();
}

bool bind(const term& pattern, const term& value, bindings& out) {
  const term* p = &pattern;
  const term* v = &value;
  for (;;) {
    if (p->is_capture()) {
      out.add(*p, *v);
      return true;
    }
    if (p->is_wildcard()) return true;
    if (p->is_concrete()) return *p == *v;
    if (!same_shape(*p, *v)) return false;
    auto ps = p->items(), vs = v->items();
    for (std::size_t i = 0; i + 1 < ps.size(); ++i)
      if (!bind(ps[i], vs[i], out)) return false;
    p = &ps.back();  // non-concrete compounds are never empty
    v = &vs.back();
  }
}

term rebuild(const term& like, std::vector<term>&& items) {
  return like.is_record() ? term::record(like.label_term(), items)
                          : term::sequence(std::move(items));
}

enum class step { fail, done, descend };

// One pair of subterms of overlap(), decided without descending if possible.
step meet_step(const term& p, const term& q, term& out) {
  if (is_hole(p)) {
    out = strip_captures(q);
    return step::done;
  }
  if (is_hole(q)) {
    out = strip_captures(p);
    return step::done;
  }
  if (p.is_concrete() || q.is_concrete()) {
    const term& c = p.is_concrete() ? p : q;
    if (!matches(p.is_concrete() ? q : p, c)) return step::fail;
    out = c;
    return step::done;
  }
  return same_shape(p, q) ? step::descend : step::fail;
}

}  // namespace

const term& bindings::operator[](std::string_view name) const {
  if (const term* v = find(name)) return *v;
  throw term_error(fmt::format("no capture named ${} in these bindings", name));
}

const term* bindings::find(std::string_view name) const noexcept {
  for (const auto& b : list_)
    if (b.name.capture_name() == name) return &b.value;
  return nullptr;
}

bool matches(const term& pattern, const term& value) noexcept {
  const term* p = &pattern;
  const term* v = &value;
  for (;;) {
    if (is_hole(*p)) return true;
    // A concrete pattern fits only an equal value; a wildcard in the value
    // makes the kinds differ somewhere, so this also rejects flows.
    if (p->is_concrete()) return *p == *v;
    if (!same_shape(*p, *v)) return false;
    auto ps = p->items(), vs = v->items();
    for (std::size_t i = 0; i + 1 < ps.size(); ++i)
      if (!matches(ps[i], vs[i])) return false;
    p = &ps.back();  // non-concrete compounds are never empty
    v = &vs.back();
  }
}

std::optional<bindings> match(const term& pattern, const term& value) {
  bindings b;
  if (!bind(pattern, value, b)) return std::nullopt;
  return b;
}

bool match_into(const term& pattern, const term& value, bindings& out) {
  out.clear();
  if (bind(pattern, value, out)) return true;
  out.clear();
  return false;
}

// overlap() and strip_captures() build new terms, so they cannot loop on the
// last item as the predicates do; they keep an explicit stack instead.
std::optional<term> overlap(const term& p, const term& q) {
  term out;
  switch (meet_step(p, q, out)) {
    case step::fail: return std::nullopt;
    case step::done: return out;
    case step::descend: break;
  }
  // Compounds being built: the pair of patterns and the items met so far.
  struct frame {
    const term* p;
    const term* q;
    std::vector<term> items;
  };
  std::vector<frame> stack;
  stack.push_back({&p, &q, {}});
  for (;;) {
    frame& f = stack.back();
    const std::size_t i = f.items.size();
    if (i == f.p->size()) {
      term built = rebuild(*f.p, std::move(f.items));
      stack.pop_back();
      if (stack.empty()) return built;
      stack.back().items.push_back(std::move(built));
      continue;
    }
    if (i == 0) f.items.reserve(f.p->size());
    const term& a = f.p->items()[i];
    const term& b = f.q->items()[i];
    term met;
    switch (meet_step(a, b, met)) {
      case step::fail: return std::nullopt;
      case step::done: f.items.push_back(std::move(met)); break;
      case step::descend: stack.push_back({&a, &b, {}}); break;
    }
  }
}

bool overlaps(const term& p, const term& q) noexcept {
  const term* a = &p;
  const term* b = &q;
  for (;;) {
    if (is_hole(*a) || is_hole(*b)) return true;
    if (a->is_concrete()) return matches(*b, *a);
    if (b->is_concrete()) return matches(*a, *b);
    if (!same_shape(*a, *b)) return false;
    auto as = a->items(), bs = b->items();
    for (std::size_t i = 0; i + 1 < as.size(); ++i)
      if (!overlaps(as[i], bs[i])) return false;
    a = &as.back();
    b = &bs.back();
  }
}

term strip_captures(const term& p) {
  if (p.is_concrete() || p.is_wildcard()) return p;
  if (p.is_capture()) return _;
  // Compounds being rebuilt; unchanged ones are shared, not copied.
  struct frame {
    const term* p;
    std::vector<term> items;
    bool changed;
  };
  std::vector<frame> stack;
  stack.push_back({&p, {}, false});
  for (;;) {
    frame& f = stack.back();
    const std::size_t i = f.items.size();
    if (i == f.p->size()) {
      bool changed = f.changed;
      term built = changed ? rebuild(*f.p, std::move(f.items)) : *f.p;
      stack.pop_back();
      if (stack.empty()) return built;
      stack.back().items.push_back(std::move(built));
      stack.back().changed |= changed;
      continue;
    }
    if (i == 0) f.items.reserve(f.p->size());
    const term& item = f.p->items()[i];
    if (item.is_capture()) {
      f.items.push_back(_);
      f.changed = true;
    } else if (item.is_concrete() || item.is_wildcard()) {
      f.items.push_back(item);
    } else {
      stack.push_back({&item, {}, false});
    }
  }
}

}  // namespace agora
