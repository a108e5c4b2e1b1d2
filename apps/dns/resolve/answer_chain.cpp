#include "resolve/answer_chain.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "resolve/dname.hpp"
#include "resolve/record_list.hpp"

namespace agora::dns {

namespace {

// Records that answer `qtype` at a name, CNAMEs aside: those are always
// taken through the CNAME/DNAME step (so that a DNAME's synthesized CNAME
// and one the upstream sent are treated alike).
bool answers_qtype(rr_type qtype, rr_type type) {
  if (type == rr_type::cname || type == rr_type::opt) return false;
  return type == qtype || qtype == rr_type::any;
}

// DNSSEC's records may sit next to a CNAME (RFC 4034 §3, RFC 4035 §2.5);
// nothing else may (RFC 1034 §3.6.2, RFC 2181 §10.1).
bool may_sit_with_cname(rr_type type) {
  return type == rr_type::rrsig || type == rr_type::nsec || type == static_cast<rr_type>(50);  // NSEC3
}

// The one DNAME that redirects `current`, with the name it makes.
struct dname_step {
  const resource_record* dname = nullptr;
  name target;
};

// A DNAME counts if its owner is strictly above `current` and inside the
// zone. Two different ones are a contradiction (a DNAME owner has no
// descendants, RFC 6672 §2.4, so two nested ones cannot both be true).
std::optional<dname_step> find_dname(const question& q, std::span<const resource_record> answers,
                                     const name& current, const name& zone, std::string& why) {
  std::optional<dname_step> found;
  for (const resource_record& r : answers) {
    if (r.type != rr_type::dname || r.rclass != q.qclass) continue;
    if (r.owner == current || !current.is_subdomain_of(r.owner) || !r.owner.is_subdomain_of(zone)) continue;
    const std::optional<name> to = r.target_name();
    if (!to) continue;  // rdata that does not hold a name: not a DNAME we can use
    if (found) {
      if (found->dname->owner == r.owner && *found->dname->target_name() == *to) continue;  // the same, any case
      why = fmt::format("two DNAMEs above {}: at {} and {}", current.to_text(), found->dname->owner.to_text(),
                        r.owner.to_text());
      return std::nullopt;
    }
    const std::optional<name> target = substitute_dname(current, r.owner, *to);
    if (!target) {
      why = fmt::format("the DNAME at {} makes {} longer than 255 octets", r.owner.to_text(), current.to_text());
      return std::nullopt;
    }
    found = dname_step{&r, *target};
  }
  return found;
}

}  // namespace

answer_chain follow_answer_chain(const question& q, std::span<const resource_record> answers,
                                 const name& zone, std::size_t max_redirections) {
  answer_chain chain;
  record_list kept;
  auto finish = [&](chain_end end, std::string why = {}) {
    chain.end = end;
    chain.why = std::move(why);
    chain.records = std::move(kept).take();
    return std::move(chain);
  };
  chain.names.push_back(q.qname);
  // Bounded: every turn either returns or adds a name, and a name past
  // max_redirections returns.
  for (;;) {
    const name current = chain.names.back();
    if (!current.is_subdomain_of(zone)) return finish(chain_end::left_zone);

    std::vector<const resource_record*> matching, cnames;
    for (const resource_record& r : answers) {
      if (r.rclass != q.qclass || !(r.owner == current)) continue;
      if (answers_qtype(q.qtype, r.type))
        matching.push_back(&r);
      else if (r.type == rr_type::cname)
        cnames.push_back(&r);
    }
    if (!matching.empty() && !cnames.empty()) {
      for (const resource_record* r : matching)
        if (!may_sit_with_cname(r->type))
          return finish(chain_end::contradiction,
                        fmt::format("{} has a CNAME and {} records", current.to_text(), to_string(r->type)));
      if (q.qtype == rr_type::any) matching.clear();  // ANY: the CNAME is the answer
    }
    if (!matching.empty()) {
      for (const resource_record* r : matching) kept.add(*r);
      return finish(chain_end::records);
    }

    std::optional<name> cname_target;
    const resource_record* cname = nullptr;
    for (const resource_record* r : cnames) {
      const std::optional<name> to = r->target_name();
      if (!to) continue;
      if (cname && *cname_target == *to) continue;  // the same CNAME twice (any case): the first is kept
      if (cname)  // RFC 2181 §10.1: one CNAME per name
        return finish(chain_end::contradiction,
                      fmt::format("{} has two CNAMEs: to {} and to {}", current.to_text(),
                                  cname_target->to_text(), to->to_text()));
      cname = r;
      cname_target = to;
    }

    std::string why;
    const std::optional<dname_step> dname = find_dname(q, answers, current, zone, why);
    if (!why.empty()) return finish(chain_end::contradiction, std::move(why));

    name next;
    if (dname) {
      if (cname && !(*cname_target == dname->target))
        return finish(chain_end::contradiction,
                      fmt::format("the CNAME {} -> {} disagrees with the DNAME at {} (which gives {})",
                                  current.to_text(), cname_target->to_text(), dname->dname->owner.to_text(),
                                  dname->target.to_text()));
      kept.add(*dname->dname);
      if (cname) {
        kept.add(*cname);
      } else {
        kept.add(make_name_record(current, rr_type::cname, dname->dname->effective_ttl(), dname->target));
        ++chain.synthesized;
      }
      next = dname->target;
    } else if (cname) {
      kept.add(*cname);
      next = *cname_target;
    } else {
      return finish(chain_end::no_records);
    }
    // Asked for the CNAME itself (or ANY): it is the answer, sent or synthesized.
    if (q.qtype == rr_type::cname || q.qtype == rr_type::any) return finish(chain_end::records);

    if (std::find(chain.names.begin(), chain.names.end(), next) != chain.names.end())
      return finish(chain_end::contradiction,
                    next == current ? fmt::format("a CNAME from {} to itself", current.to_text())
                                    : fmt::format("a CNAME loop: {} comes back to {}", current.to_text(),
                                                  next.to_text()));
    if (chain.names.size() > max_redirections)
      return finish(chain_end::contradiction,
                    fmt::format("the chain from {} is longer than {} CNAMEs", q.qname.to_text(), max_redirections));
    chain.names.push_back(std::move(next));
  }
}

}  // namespace agora::dns
