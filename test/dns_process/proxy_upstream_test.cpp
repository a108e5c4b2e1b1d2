// agora-dns against the hostile upstream: one upstream query for many
// clients asking the same question, random IDs, ports and case (RFC 5452,
// 0x20), and each trick of a bad upstream, which must never poison the
// cache nor stop the proxy.
#include <doctest/doctest.h>

#ifdef AGORA_DNS_BIN

#include <future>
#include <set>
#include <thread>

#include "hostile_upstream.hpp"
#include "proxy_fixture.hpp"

using namespace dns_process;
using namespace agora::dns;
using namespace std::chrono_literals;

namespace {

name dn(const char* text) { return name::from_text(text).value(); }

bool has_record_of(const message& m, const name& owner) {
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& r : *section)
      if (r.owner == owner) return true;
  return false;
}

}  // namespace

TEST_CASE("agora-dns: clients asking the same question at once share one upstream query") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  up.forget();
  up.set_mode(upstream_mode::slow, 400ms);
  std::vector<std::future<query_result>> asks;
  for (int i = 0; i < 20; ++i)
    asks.push_back(std::async(std::launch::async, [&] { return proxy.client().query(ask("www.upstream.test.")); }));
  for (auto& f : asks) {
    const auto r = f.get();
    INFO(error_of(r));
  REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::noerror);
    CHECK(r->msg.answers.size() == 1);
  }
  CHECK(up.queries_for(dn("www.upstream.test.")) == 1);
}

TEST_CASE("agora-dns: upstream queries have random IDs, source ports and letter case") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  up.forget();
  const auto c = proxy.client();
  for (int i = 0; i < 40; ++i) {
    const auto r = c.query(ask(fmt::format("name{}.upstream.test.", i)));
    REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::nxdomain);
  }
  const auto seen = up.seen();
  REQUIRE(seen.size() == 40);
  std::set<std::uint16_t> ids, ports;
  std::size_t mixed_case = 0;
  for (const auto& s : seen) {
    ids.insert(s.id);
    ports.insert(s.source_port);
    if (!s.qname.same_spelling(s.qname.lowercased())) ++mixed_case;
  }
  // 40 draws from 2^16 (IDs) and from the ephemeral range (ports): a
  // repeat is possible, more than a few is not random.
  CHECK(ids.size() >= 37);
  CHECK(ports.size() >= 37);
  // "nameN.upstream.test." has 16+ letters: all lower case by chance is 2^-16.
  CHECK(mixed_case >= 38);
}

TEST_CASE("agora-dns: a reply with the wrong ID or question is ignored, the client gets SERVFAIL, nothing is cached") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, quick_failures);
  const auto c = proxy.client();
  for (auto mode : {upstream_mode::wrong_id, upstream_mode::wrong_question}) {
    CAPTURE(to_string(mode));
    up.set_mode(mode);
    const std::string qname = fmt::format("www{}.upstream.test.", static_cast<int>(mode));
    const auto r = c.query(ask(qname));
    REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::servfail);
  }
  // Honest again: the next question is answered (SERVFAIL was cached only
  // for the questions that failed).
  up.set_mode(upstream_mode::honest);
  const auto ok = c.query(ask("www.upstream.test."));
  REQUIRE(ok.ok());
  CHECK(ok->msg.full_rcode() == rcode::noerror);
  CHECK(proxy.process->stop() == 0);
}

TEST_CASE("agora-dns: poisoned records never reach the client or the cache") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, quick_failures);
  const auto c = proxy.client();
  up.set_mode(upstream_mode::poison_additional);
  const auto a = c.query(ask("www.upstream.test."));
  REQUIRE(a.ok());
  CHECK(a->msg.full_rcode() == rcode::noerror);
  CHECK(!has_record_of(a->msg, dn(poison_name)));
  up.set_mode(upstream_mode::poison_answer);
  const auto b = c.query(ask("mail.upstream.test."));
  REQUIRE(b.ok());
  CHECK(b->msg.full_rcode() == rcode::noerror);
  CHECK(!has_record_of(b->msg, dn(poison_name)));
  // The victim's name is not answered from the cache: it is asked upstream.
  up.set_mode(upstream_mode::honest);
  up.forget();
  const auto v = c.query(ask(poison_name));
  REQUIRE(v.ok());
  CHECK(up.queries_for(dn(poison_name)) == 1);
  for (const auto& r : v->msg.answers) CHECK(r.a_address() != std::optional(poison_address));
}

TEST_CASE("agora-dns: TTL 0xFFFFFFFF counts as 0: passed on as 0, not cached") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  up.set_mode(upstream_mode::ttl_max);
  up.forget();
  const auto c = proxy.client();
  const auto r = c.query(ask("www.upstream.test."));
  REQUIRE(r.ok());
  REQUIRE(r->msg.answers.size() == 1);
  CHECK(r->msg.answers[0].ttl == 0);
  const auto again = c.query(ask("www.upstream.test."));
  REQUIRE(again.ok());
  CHECK(up.queries_for(dn("www.upstream.test.")) == 2);
}

TEST_CASE("agora-dns: CNAME loops, pointer loops and cut records give SERVFAIL, the proxy carries on") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, quick_failures);
  const auto c = proxy.client();
  int n = 0;
  for (auto mode : {upstream_mode::cname_self, upstream_mode::cname_loop, upstream_mode::pointer_loop,
                    upstream_mode::truncated_rr, upstream_mode::servfail, upstream_mode::refused}) {
    CAPTURE(to_string(mode));
    up.set_mode(mode);
    const auto r = c.query(ask(fmt::format("q{}.upstream.test.", n++)));
    INFO(error_of(r));
  REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::servfail);
  }
  up.set_mode(upstream_mode::honest);
  const auto ok = c.query(ask("txt.upstream.test.", rr_type::txt));
  REQUIRE(ok.ok());
  CHECK(ok->msg.full_rcode() == rcode::noerror);
}

TEST_CASE("agora-dns: a truncated upstream reply is asked again over TCP") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()});
  up.set_mode(upstream_mode::tc_then_tcp);
  up.forget();
  const auto r = proxy.client().query(ask("www.upstream.test."));
  INFO(error_of(r));
  REQUIRE(r.ok());
  CHECK(r->msg.full_rcode() == rcode::noerror);
  CHECK(!r->msg.header.tc);
  CHECK(r->msg.answers.size() == 1);
  CHECK(up.tcp_queries() == 1);
}

TEST_CASE("agora-dns: a silent upstream gives SERVFAIL by the deadline, briefly cached; cached names still served") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, quick_failures);
  const auto c = proxy.client();
  REQUIRE(c.query(ask("www.upstream.test.")).ok());  // cached now
  up.set_mode(upstream_mode::silent);
  up.forget();
  // A flood of questions for names nobody answers...
  std::vector<std::future<query_result>> flood;
  for (int i = 0; i < 200; ++i)
    flood.push_back(std::async(std::launch::async, [&, i] {
      return proxy.client(3000ms).query(ask(fmt::format("dead{}.upstream.test.", i)));
    }));
  // ...does not stop the cached answers meanwhile.
  const auto cached = c.query(ask("www.upstream.test."));
  REQUIRE(cached.ok());
  CHECK(cached->msg.full_rcode() == rcode::noerror);
  for (auto& f : flood) {
    const auto r = f.get();
    INFO(error_of(r));
  REQUIRE(r.ok());
    CHECK(r->msg.full_rcode() == rcode::servfail);
  }
  // The SERVFAIL is cached: asked again at once, no new upstream query.
  const std::size_t before = up.queries_for(dn("dead1.upstream.test."));
  const auto again = c.query(ask("dead1.upstream.test."));
  REQUIRE(again.ok());
  CHECK(again->msg.full_rcode() == rcode::servfail);
  CHECK(up.queries_for(dn("dead1.upstream.test.")) == before);
}

#endif

#ifdef AGORA_DNS_BIN

TEST_CASE("agora-dns: serve-stale answers with TTL 30 when the upstream is silent or failing (RFC 8767)") {
  hostile_upstream up;
  // Entries expire after 1 s; a stale one is served after 300 ms of waiting.
  proxy_under_test proxy({up.endpoint()}, R"([cache]
max_ttl = 1
serve_stale = true
stale_after_ms = 300
)");
  const auto c = proxy.client();
  REQUIRE(c.query(ask("www.upstream.test.")).ok());
  REQUIRE(c.query(ask("mail.upstream.test.")).ok());
  std::this_thread::sleep_for(1200ms);
  up.set_mode(upstream_mode::silent);
  const auto silent = c.query(ask("www.upstream.test."));
  INFO(error_of(silent));
  REQUIRE(silent.ok());
  CHECK(silent->msg.full_rcode() == rcode::noerror);
  REQUIRE(silent->msg.answers.size() == 1);
  CHECK(silent->msg.answers[0].ttl == 30);
  CHECK(silent->msg.answers[0].a_address() == std::optional(upstream_www_a));
  up.set_mode(upstream_mode::servfail);
  const auto failing = c.query(ask("mail.upstream.test."));
  REQUIRE(failing.ok());
  CHECK(failing->msg.full_rcode() == rcode::noerror);
  REQUIRE(failing->msg.answers.size() == 1);
  CHECK(failing->msg.answers[0].ttl == 30);
  // Without a stale entry: SERVFAIL as usual.
  const auto none = c.query(ask("txt.upstream.test.", rr_type::txt));
  REQUIRE(none.ok());
  CHECK(none->msg.full_rcode() == rcode::servfail);
}

TEST_CASE("agora-dns: beyond max_outstanding exchanges to an upstream, questions fail at once and are not cached") {
  hostile_upstream up;
  proxy_under_test proxy({up.endpoint()}, R"([upstream]
max_outstanding = 2
attempt_timeout_ms = 1000
max_attempts = 1
)");
  up.set_mode(upstream_mode::slow, 600ms);
  up.forget();
  std::vector<std::future<query_result>> asks;
  for (int i = 0; i < 5; ++i)
    asks.push_back(std::async(std::launch::async, [&, i] {
      return proxy.client().query(ask(fmt::format("w{}.upstream.test.", i)));
    }));
  int answered = 0, refused = 0;
  for (auto& f : asks) {
    const auto r = f.get();
    REQUIRE(r.ok());
    if (r->msg.full_rcode() == rcode::nxdomain) ++answered;
    if (r->msg.full_rcode() == rcode::servfail) ++refused;
  }
  CHECK(answered == 2);
  CHECK(refused == 3);
  CHECK(up.udp_queries() == 2);
  // Not cached: once the upstream has room, the same question goes through.
  up.set_mode(upstream_mode::honest);
  int through = 0;
  for (int i = 0; i < 5; ++i)
    if (proxy.client().query(ask(fmt::format("w{}.upstream.test.", i)))->msg.full_rcode() == rcode::nxdomain) ++through;
  CHECK(through == 5);
}

#endif
