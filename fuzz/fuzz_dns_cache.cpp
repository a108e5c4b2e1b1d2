// libFuzzer target for the answer cache (apps/dns/cache/answer_cache.hpp).
// The input is a policy, then up to 256 operations, each one byte and its
// arguments (a byte reader gives zeros past the end):
//   policy: max_bytes 64 * (1 + u16 % 1024) (so 64 B to 64 KiB: eviction is
//           common), serve_stale, min_ttl, max_ttl, max_negative_ttl,
//           servfail_ttl, max_stale, stale_ttl (each a byte: small values);
//   0 store:          question index, u16 length, that many bytes decoded as
//                     the reply (stored as it is: the cache may not trust
//                     its caller to have scrubbed it);
//   1 store_servfail: question index;
//   2 find + render:  question index, a case pattern byte, flags (EDNS, RD,
//                     CD), ID, a size byte (512 + 256 * byte, 0xff: 65535);
//   3 advance time:   a byte: milliseconds, or (top bit) seconds * 97;
//   4 erase:          question index.
// Questions come from a pool: four fixed ones (two spell one name in two
// cases) and every decoded reply's own question. A model keeps what each
// successful store put in, when, and the TTLs lifetime_of gave its records.
// Checked after every operation: bytes() <= max_bytes, entries() no more
// than the model holds. On find: a hit is the model's latest entry for the
// question (kind; stale exactly when past its lifetime); a store that
// returned a kind is found fresh at once. On render: the reply decodes; ID,
// RD, CD and the question's spelling are the query's; QR and RA set, AA
// clear; the RCODE the stored one (SERVFAIL for servfail); an OPT exactly
// when the query had EDNS; at most the size limit; the records the stored
// ones in order (a prefix, TC set when answers or authorities were cut),
// each TTL the stored TTL counted down by the whole seconds elapsed (never
// more than stored, and no more than max_ttl / max_negative_ttl), or
// stale_ttl for a stale hit.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "cache/answer_cache.hpp"
#include "cache/cache_lifetime.hpp"
#include "codec/query.hpp"
#include "dns_fuzz_checks.hpp"

using namespace agora::dns;
using namespace std::chrono_literals;

namespace {

constexpr const char* target = "dns cache";
constexpr std::size_t max_operations = 256;

[[noreturn]] void violation(const std::string& what) { dns_fuzz::violation(target, what); }

/// Reads the input front to back; zeros once it runs out.
class byte_reader {
 public:
  explicit byte_reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool empty() const noexcept { return at_ >= in_.size(); }
  std::uint8_t u8() { return at_ < in_.size() ? in_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::span<const std::byte> take(std::size_t n) {
    n = std::min(n, in_.size() - std::min(at_, in_.size()));
    const auto* p = reinterpret_cast<const std::byte*>(in_.data() + at_);
    at_ += n;
    return {p, n};
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

using key = std::tuple<std::string, std::uint16_t, std::uint16_t>;
key key_of(const question& q) {
  return {q.qname.canonical_key(), static_cast<std::uint16_t>(q.qtype), static_cast<std::uint16_t>(q.qclass)};
}

/// What the cache should hold for a question.
struct model_entry {
  answer_kind kind = answer_kind::positive;
  message reply;                      // empty for servfail
  std::vector<std::uint32_t> ttls;    // as lifetime_of gave them
  answer_cache::time_point stored_at;
  std::uint32_t lifetime = 0;
};

question fixed_question(std::size_t i) {
  static const char* const names[] = {"example.com.", "ExAmPlE.CoM.", "www.example.com.", "a.b.c.d.e.f.g.example.org."};
  static const rr_type types[] = {rr_type::a, rr_type::a, rr_type::aaaa, rr_type::txt};
  return {name::from_text(names[i]).value(), types[i], rr_class::in};
}

cache_policy policy_from(byte_reader& in) {
  cache_policy p;
  p.max_bytes = 64 * (1 + in.u16() % 1024);
  p.serve_stale = in.u8() & 1;
  p.min_ttl = in.u8() % 16;
  p.max_ttl = in.u8();
  p.max_negative_ttl = in.u8();
  p.servfail_ttl = in.u8() % 16;
  p.max_stale = in.u8();
  p.stale_ttl = in.u8() % 64;
  return p;
}

const std::vector<resource_record>& section(const message& m, int i) {
  return i == 0 ? m.answers : i == 1 ? m.authorities : m.additionals;
}

class cache_run {
 public:
  explicit cache_run(const cache_policy& policy) : cache_(policy) {
    for (std::size_t i = 0; i < 4; ++i) pool_.push_back(fixed_question(i));
  }

  void step(byte_reader& in) {
    switch (in.u8() % 5) {
      case 0: store(in); break;
      case 1: store_servfail(pool_pick(in)); break;
      case 2: find_and_render(in); break;
      case 3: {
        const std::uint8_t b = in.u8();
        now_ += b & 0x80 ? std::chrono::seconds((b & 0x7f) * 97) : std::chrono::milliseconds(b * 7);
        break;
      }
      case 4: {
        const question q = pool_pick(in);
        const bool modelled = model_.erase(key_of(q)) == 1;
        if (cache_.erase(q) && !modelled) violation("erase found an entry the model does not have");
        break;
      }
    }
    if (cache_.bytes() > cache_.policy().max_bytes) violation("bytes() over max_bytes");
    if (cache_.entries() > model_.size()) violation("more entries than were stored");
  }

 private:
  question pool_pick(byte_reader& in) { return pool_[in.u8() % pool_.size()]; }

  void store(byte_reader& in) {
    const question q = pool_pick(in);
    const auto wire = in.take(in.u16());
    auto decoded = decode(wire);
    if (!decoded) return;
    const message& reply = *decoded;
    if (reply.questions.size() == 1 && pool_.size() < 8) pool_.push_back(reply.questions[0]);
    const auto kind = cache_.store(q, reply, now_);
    if (!kind) return;
    const auto life = lifetime_of(reply, cache_.policy());
    if (!life || life->kind != *kind) violation("store kept a reply lifetime_of does not");
    model_[key_of(q)] = {*kind, reply, life->record_ttls, now_, life->seconds};
    const auto hit = cache_.find(q, now_);
    if (!hit || hit->stale || hit->kind != *kind) violation("a stored reply is not found fresh at once");
  }

  void store_servfail(const question& q) {
    if (!cache_.store_servfail(q, now_)) return;
    model_[key_of(q)] = {answer_kind::servfail, {}, {}, now_, cache_.policy().servfail_ttl};
  }

  void find_and_render(byte_reader& in) {
    const question q = pool_pick(in);
    const std::uint8_t pattern = in.u8(), flags = in.u8();
    const std::uint16_t id = in.u16();
    const std::uint8_t size_byte = in.u8();
    const auto hit = cache_.find(q, now_);
    const auto found = model_.find(key_of(q));
    if (!hit) {
      if (found != model_.end()) model_.erase(found);  // expired or evicted
      return;
    }
    if (found == model_.end()) violation("a hit the model does not have");
    const model_entry& e = found->second;
    const bool past = now_ >= e.stored_at + std::chrono::seconds(e.lifetime);
    if (hit->kind != e.kind || hit->stale != past) violation("a hit of another kind, or stale when fresh");

    message query = make_query(id, with_case_pattern(q.qname, {pattern * 0x0101010101010101ull, ~0ull, 0, ~0ull}),
                               q.qtype, {.recursion_desired = bool(flags & 2)});
    query.questions[0].qclass = q.qclass;
    query.header.cd = flags & 4;
    if (!(flags & 1)) query.edns.reset();
    const std::size_t max_size = size_byte == 0xff ? max_message_size : classic_udp_size + 256u * size_byte;
    std::vector<std::byte> out;
    cache_.render(*hit, query, now_, max_size, out);
    check_render(query, e, hit->stale, max_size, out);
  }

  void check_render(const message& query, const model_entry& e, bool stale, std::size_t max_size,
                    const std::vector<std::byte>& out) const {
    if (out.size() > max_size) violation("a rendered reply over its size limit");
    const message r = dns_fuzz::must_decode(target, out, "the rendered reply");
    const header& h = r.header;
    if (h.id != query.header.id || !h.qr || !h.ra || h.aa || h.rd != query.header.rd || h.cd != query.header.cd ||
        h.opcode != opcode::query)
      violation("the rendered header does not answer the query");
    if (r.questions.size() != 1 || !r.questions[0].qname.same_spelling(query.questions[0].qname) ||
        r.questions[0].qtype != query.questions[0].qtype || r.questions[0].qclass != query.questions[0].qclass)
      violation("the rendered question is not the query's, as spelled");
    if (r.edns.has_value() != query.edns.has_value()) violation("an OPT that does not follow the query's");
    const rcode expected = e.kind == answer_kind::servfail ? rcode::servfail : e.reply.full_rcode();
    if (r.full_rcode() != expected) violation("the rendered RCODE is not the stored one");

    const std::uint32_t elapsed = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now_ - e.stored_at).count());
    const std::uint32_t ceiling =
        e.kind == answer_kind::positive ? cache_.policy().max_ttl : cache_.policy().max_negative_ttl;
    std::size_t ttl_index = 0;
    bool cut = false;
    for (int s = 0; s < 3; ++s) {
      const auto& got = section(r, s);
      const auto& stored = section(e.reply, s);
      if (got.size() > stored.size()) violation("more rendered records than stored");
      if (got.size() < stored.size() && s < 2) cut = true;
      for (std::size_t i = 0; i < got.size(); ++i) {
        const resource_record& g = got[i];
        const resource_record& o = stored[i];
        if (!g.owner.same_spelling(o.owner) || g.type != o.type || g.rclass != o.rclass || g.rdata != o.rdata)
          violation("a rendered record is not the stored one");
        const std::uint32_t kept = e.ttls[ttl_index + i];
        if (kept > ceiling) violation("a stored TTL over the policy's maximum");
        const std::uint32_t want = stale ? cache_.policy().stale_ttl : kept > elapsed ? kept - elapsed : 0;
        if (g.ttl != want) violation("a rendered TTL is not the stored one counted down");
        if (!stale && g.ttl > kept) violation("a rendered TTL above the stored one");
      }
      ttl_index += stored.size();
    }
    if (cut != h.tc) violation(cut ? "records cut without TC" : "TC set with every answer and authority record");
  }

  answer_cache cache_;
  std::vector<question> pool_;
  std::map<key, model_entry> model_;
  answer_cache::time_point now_ = answer_cache::time_point{} + 1000s;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in({data, size});
  cache_run run(policy_from(in));
  for (std::size_t i = 0; i < max_operations && !in.empty(); ++i) run.step(in);
  return 0;
}
