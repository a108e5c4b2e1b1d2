// A differential test of answer_cache against a deliberately simple model:
// a std::map of the stored messages (TTLs as stored) and their store
// times, answered by building the reply message and encoding it with the
// codec. Random sequences of store / store_servfail / find + render /
// time passing, with fixed seeds; a failure names its seed and step.
// Without eviction the two must agree exactly; with a small max_bytes the
// cache may have forgotten what the model holds, never the reverse.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>

#include "cache_fixtures.hpp"

using namespace cache_test;

namespace {

struct model_entry {
  message stored;  // records with the TTLs they are stored with, RCODE in the header
  answer_kind kind;
  answer_cache::time_point stored_at;
  std::uint32_t lifetime;
};

/// The rules, written out once more as plainly as possible.
class model_cache {
 public:
  explicit model_cache(cache_policy p) : p_(p) {}

  using key = std::tuple<std::string, std::uint16_t, std::uint16_t>;
  static key key_of(const question& q) {
    return {q.qname.canonical_key(), static_cast<std::uint16_t>(q.qtype), static_cast<std::uint16_t>(q.qclass)};
  }

  std::optional<answer_kind> store(const question& q, const message& reply, answer_cache::time_point now) {
    model_entry e{reply, answer_kind::positive, now, 0};
    e.stored.edns.reset();
    auto ttl = [](std::uint32_t t) { return t > 0x7fffffffu ? 0u : t; };
    std::vector<resource_record*> all;
    for (auto* s : {&e.stored.answers, &e.stored.authorities, &e.stored.additionals})
      for (auto& rr : *s) all.push_back(&rr);
    const rcode code = reply.full_rcode();
    if (code == rcode::noerror && !reply.answers.empty()) {
      std::uint32_t life = 0xffffffffu;
      for (auto* rr : all) {
        rr->ttl = std::min(std::max(ttl(rr->ttl), p_.min_ttl), p_.max_ttl);
        life = std::min(life, rr->ttl);
      }
      e.lifetime = life;
    } else if (code == rcode::noerror || code == rcode::nxdomain) {
      e.kind = answer_kind::negative;
      resource_record* soa = nullptr;
      for (auto& rr : e.stored.authorities)
        if (rr.type == rr_type::soa) {
          soa = &rr;
          break;
        }
      if (!soa) return std::nullopt;
      e.lifetime = std::min({ttl(soa->ttl), ttl(soa->soa()->minimum), p_.max_negative_ttl});
      for (auto* rr : all) rr->ttl = rr == soa ? e.lifetime : std::min(ttl(rr->ttl), e.lifetime);
    } else {
      return std::nullopt;
    }
    if (e.lifetime == 0) return std::nullopt;
    map_.insert_or_assign(key_of(q), std::move(e));
    return map_.at(key_of(q)).kind;
  }

  bool servfail_allowed(const question& q, answer_cache::time_point now) const {
    if (p_.servfail_ttl == 0) return false;
    const auto it = map_.find(key_of(q));
    return it == map_.end() || it->second.kind == answer_kind::servfail || !servable(it->second, now);
  }

  void store_servfail(const question& q, answer_cache::time_point now) {
    message m;
    m.set_rcode(rcode::servfail);
    map_.insert_or_assign(key_of(q), model_entry{m, answer_kind::servfail, now, p_.servfail_ttl});
  }

  bool fresh(const model_entry& e, answer_cache::time_point now) const {
    return now < e.stored_at + seconds(e.lifetime);
  }
  bool servable(const model_entry& e, answer_cache::time_point now) const {
    return fresh(e, now) || (p_.serve_stale && e.kind != answer_kind::servfail &&
                             now - (e.stored_at + seconds(e.lifetime)) <= seconds(p_.max_stale));
  }

  /// The entry find() should give, erasing one past serving.
  const model_entry* find(const question& q, answer_cache::time_point now) {
    const auto it = map_.find(key_of(q));
    if (it == map_.end()) return nullptr;
    if (!servable(it->second, now)) {
      map_.erase(it);
      return nullptr;
    }
    return &it->second;
  }

  void forget(const question& q) { map_.erase(key_of(q)); }

  /// The reply, built as a message and encoded by the codec.
  message render(const model_entry& e, const message& query, answer_cache::time_point now,
                 std::size_t max_size) const {
    message m = e.stored;
    m.header = {};
    m.header.id = query.header.id;
    m.header.qr = m.header.ra = true;
    m.header.rd = query.header.rd;
    m.header.cd = query.header.cd;
    m.header.rcode = e.stored.header.rcode;
    m.questions = query.questions;
    if (query.edns) m.edns = edns{};
    const bool stale = !fresh(e, now);
    const auto elapsed = static_cast<std::uint32_t>(
        std::chrono::duration_cast<seconds>(now - e.stored_at).count());
    for (auto* s : {&m.answers, &m.authorities, &m.additionals})
      for (auto& rr : *s) rr.ttl = stale ? p_.stale_ttl : (rr.ttl > elapsed ? rr.ttl - elapsed : 0);
    return decoded(encode(m, {.max_size = max_size}));
  }

  std::size_t size() const { return map_.size(); }

 private:
  cache_policy p_;
  std::map<key, model_entry> map_;
};

struct generator {
  std::mt19937_64 random;
  std::vector<std::string> names = {"a.example.",  "www.example.", "mail.example.", "x.y.z.example.",
                                    "example.",    "nx.example.",  "long-label-name.sub.example.",
                                    "b.example.org.", "c.example.org.", "d.test."};

  std::uint32_t pick(std::uint32_t n) { return static_cast<std::uint32_t>(random() % n); }
  bool coin(std::uint32_t one_in) { return pick(one_in) == 0; }

  /// One of the names, each letter's case at random.
  name any_name() {
    std::string text = names[pick(static_cast<std::uint32_t>(names.size()))];
    for (char& c : text)
      if (c >= 'a' && c <= 'z' && coin(3)) c = static_cast<char>(c - 'a' + 'A');
    return dn(text);
  }

  question any_question() {
    static constexpr rr_type types[] = {rr_type::a, rr_type::aaaa, rr_type::txt, rr_type::mx};
    return {any_name(), types[pick(4)], rr_class::in};
  }

  std::uint32_t any_ttl() {
    static constexpr std::uint32_t special[] = {0, 1, 5, 59, 60, 300, 3600, 86400, 86401,
                                                0x7fffffffu, 0x80000000u, 0xffffffffu};
    return coin(2) ? special[pick(12)] : pick(4000);
  }

  resource_record any_record(const name& owner) {
    switch (pick(5)) {
      case 0:
        return make_a(owner, any_ttl(), {10, 0, static_cast<std::uint8_t>(pick(256)), static_cast<std::uint8_t>(pick(256))});
      case 1:
        return make_name_record(owner, rr_type::cname, any_ttl(), dn(coin(2) ? "target.example." : "Other.Example.org."));
      case 2:
        return make_mx(owner, any_ttl(), {static_cast<std::uint16_t>(pick(100)), dn("mx.example.")});
      case 3: {
        resource_record txt{owner, rr_type::txt, rr_class::in, any_ttl(), {}};
        const std::uint32_t n = pick(250);
        txt.rdata.push_back(static_cast<std::byte>(n));
        for (std::uint32_t i = 0; i < n; ++i) txt.rdata.push_back(static_cast<std::byte>('a' + pick(26)));
        return txt;
      }
      default:
        return make_aaaa(owner, any_ttl(), {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            static_cast<std::uint8_t>(pick(256))});
    }
  }

  /// An upstream reply to q: positive, NXDOMAIN, NODATA (with an SOA or
  /// not), or another RCODE; records in RRsets of varied sizes.
  message any_reply(const question& q) {
    message m = make_query(static_cast<std::uint16_t>(pick(65536)), q.qname, q.qtype);
    m.header.qr = true;
    m.header.aa = coin(2);
    const std::uint32_t shape = pick(10);
    if (shape < 6) {
      const std::uint32_t rrsets = 1 + pick(3);
      for (std::uint32_t s = 0; s < rrsets; ++s) {
        const name owner = s == 0 ? q.qname : any_name();
        const resource_record first = any_record(owner);
        const std::uint32_t n = 1 + (coin(4) ? pick(40) : pick(3));
        for (std::uint32_t i = 0; i < n; ++i) {
          resource_record rr = any_record(owner);
          if (rr.type != first.type) rr = first;  // one RRset: one type
          rr.ttl = coin(3) ? any_ttl() : first.ttl;
          m.answers.push_back(rr);
        }
      }
      if (coin(2)) m.authorities.push_back(make_name_record(dn("example."), rr_type::ns, any_ttl(), dn("ns1.example.")));
      if (coin(2)) m.additionals.push_back(make_a(dn("ns1.example."), any_ttl(), {192, 0, 2, 53}));
    } else if (shape < 9) {
      m.set_rcode(coin(2) ? rcode::nxdomain : rcode::noerror);
      if (!coin(5))
        m.authorities.push_back(make_soa(dn("example."), any_ttl(),
                                         {dn("ns1.example."), dn("hostmaster.example."), 1, 2, 3, 4, any_ttl()}));
      if (coin(4)) m.answers.push_back(make_name_record(q.qname, rr_type::cname, any_ttl(), dn("gone.example.")));
    } else {
      m.set_rcode(coin(2) ? rcode::servfail : rcode::refused);
    }
    return m;
  }

  message any_query(const question& q) {
    message query = make_query(static_cast<std::uint16_t>(pick(65536)), q.qname, q.qtype,
                               {.recursion_desired = !coin(4),
                                .edns_size = coin(3) ? std::nullopt : std::optional<std::uint16_t>(4096),
                                .dnssec_ok = coin(4)});
    query.header.cd = coin(4);
    return query;
  }

  std::size_t any_max_size() {
    static constexpr std::size_t sizes[] = {512, 1232, 4096, max_message_size};
    return coin(4) ? 100 + pick(600) : sizes[pick(4)];
  }

  seconds::rep any_pause_ms() { return coin(20) ? pick(400000) : pick(8000); }
};

cache_policy policy_for(std::uint64_t seed, std::size_t max_bytes) {
  cache_policy p;
  p.min_ttl = seed % 3 == 0 ? 30 : 0;
  p.max_ttl = seed % 2 == 0 ? 86400 : 100;
  p.max_negative_ttl = 600;
  p.servfail_ttl = seed % 5 == 4 ? 0 : 5;
  p.serve_stale = seed % 2 == 1;
  p.max_stale = 120;
  p.stale_ttl = 30;
  p.max_bytes = max_bytes;
  return p;
}

/// Byte for byte, names' case included: both encoded without compression.
bool same_reply(const message& a, const message& b) {
  return encode(a, {.compress = false}) == encode(b, {.compress = false});
}

void run(std::uint64_t seed, int steps, std::size_t max_bytes, bool evicting) {
  CAPTURE(seed);
  generator gen{std::mt19937_64(seed)};
  const cache_policy policy = policy_for(seed, max_bytes);
  answer_cache cache(policy);
  model_cache model(policy);
  answer_cache::time_point now = t0;
  std::vector<std::byte> out;
  std::size_t hits = 0, stale = 0, truncated = 0, stored = 0;
  for (int step = 0; step < steps; ++step) {
    CAPTURE(step);
    const question q = gen.any_question();
    const std::uint32_t op = gen.pick(10);
    if (op < 3) {
      const message reply = gen.any_reply(q);
      const auto got = cache.store(q, reply, now);
      const auto want = model.store(q, reply, now);
      if (evicting && !got && want) {
        // Bigger than the whole cache: refused. Start both afresh for q.
        model.forget(q);
        cache.erase(q);
        continue;
      }
      REQUIRE(got == want);
      if (got) ++stored;
    } else if (op < 4) {
      const bool allowed = model.servfail_allowed(q, now);
      const bool got = cache.store_servfail(q, now);
      if (evicting && got && !allowed) {
        model.forget(q);  // the cache had let the entry go to make room
      } else {
        REQUIRE(got == allowed);
      }
      if (got) model.store_servfail(q, now);
    } else if (op < 9) {
      const auto hit = cache.find(q, now);
      const model_entry* want = model.find(q, now);
      if (!hit && want && evicting) {
        model.forget(q);
        continue;
      }
      REQUIRE(hit.has_value() == (want != nullptr));
      if (!hit) continue;
      ++hits;
      CHECK(hit->kind == want->kind);
      CHECK(hit->stale == !model.fresh(*want, now));
      stale += hit->stale;
      const message query = gen.any_query(q);
      const std::size_t max_size = gen.any_max_size();
      cache.render(*hit, query, now, max_size, out);
      CHECK(out.size() <= max_size);
      const message got = decoded(out);
      const message expected = model.render(*want, query, now, max_size);
      truncated += got.header.tc;
      if (!same_reply(got, expected)) {
        MESSAGE("cache: ", got.answers.size(), " answers, tc ", got.header.tc, "; model: ",
                expected.answers.size(), " answers, tc ", expected.header.tc);
        FAIL("the rendered reply differs from the model's");
      }
    } else {
      now += std::chrono::milliseconds(gen.any_pause_ms());
    }
    REQUIRE(cache.bytes() <= policy.max_bytes);
    if (!evicting) REQUIRE(cache.entries() == model.size());
  }
  // The sequences did reach every path.
  CHECK(stored > 50);
  CHECK(hits > 100);
  if (policy.serve_stale) CHECK(stale > 0);
  CHECK(truncated > 0);
}

}  // namespace

TEST_CASE("dns cache model: random sequences agree with the simple model, no eviction") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 20261201u}) run(seed, 3000, std::size_t{1} << 30, false);
}

TEST_CASE("dns cache model: with a small cache, what it serves is still what the model would") {
  for (std::uint64_t seed : {11u, 12u, 13u}) run(seed, 3000, 6000, true);
}
