// Matching and intersection of patterns.
//
// Depth: these functions recurse over the nesting of the terms, but loop
// (instead of recursing) on the last item of every compound, so right-nested
// chains such as cons(x, cons(y, ...)) of any length cost no stack. Other
// shapes recurse once per level of nesting; a frame is well under 100 bytes,
// so tens of thousands of levels fit in a default stack. Terms that deep can
// only be built programmatically (the decoders bound depth), and term's own
// destructor and operator== recurse per level too.
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

// Sets `out` to p without captures; returns false (leaving `out` alone) when
// there is nothing to change, so unchanged subterms are shared, not rebuilt.
bool strip(const term& p, term& out) {
  if (p.is_concrete() || p.is_wildcard()) return false;
  if (p.is_capture()) {
    out = _;
    return true;
  }
  auto items = p.items();
  std::vector<term> stripped;
  for (std::size_t i = 0; i < items.size(); ++i) {
    term s;
    if (!strip(items[i], s)) {
      if (!stripped.empty()) stripped.push_back(items[i]);
      continue;
    }
    if (stripped.empty()) {
      stripped.reserve(items.size());
      stripped.assign(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i));
    }
    stripped.push_back(std::move(s));
  }
  if (stripped.empty()) return false;  // only wildcards inside
  out = p.is_record() ? term::record(p.label_term(), stripped)
                      : term::sequence(std::move(stripped));
  return true;
}

bool meet(const term& p, const term& q, term& out) {
  if (is_hole(p)) {
    out = strip_captures(q);
    return true;
  }
  if (is_hole(q)) {
    out = strip_captures(p);
    return true;
  }
  if (p.is_concrete()) {
    if (!matches(q, p)) return false;
    out = p;
    return true;
  }
  if (q.is_concrete()) {
    if (!matches(p, q)) return false;
    out = q;
    return true;
  }
  if (!same_shape(p, q)) return false;
  auto ps = p.items(), qs = q.items();
  std::vector<term> items(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (!meet(ps[i], qs[i], items[i])) return false;
  out = p.is_record() ? term::record(p.label_term(), items)
                      : term::sequence(std::move(items));
  return true;
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

std::optional<term> overlap(const term& p, const term& q) {
  term out;
  if (!meet(p, q, out)) return std::nullopt;
  return out;
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
  term out;
  return strip(p, out) ? out : p;
}

}  // namespace agora
