// The terms the proxy's actors exchange (proxy/proxy_terms.hpp), the token
// bucket of error replies and log lines (proxy/rate_limit.hpp).
#include <doctest/doctest.h>

#include "agora/text.hpp"
#include "dns_bytes.hpp"
#include "proxy/proxy_terms.hpp"
#include "proxy/rate_limit.hpp"

using namespace agora;
using namespace agora::dns;
using dns_test::dn;

TEST_CASE("dns terms: a question is one term whatever its case, and reads back") {
  const question upper{dn("WwW.Example.COM."), rr_type::aaaa, rr_class::in};
  const question lower{dn("www.example.com."), rr_type::aaaa, rr_class::in};
  CHECK(question_term(upper) == question_term(lower));
  CHECK(question_term(upper) == rec("dns.q", "www.example.com.", 28, 1));
  const auto back = read_question_term(question_term(upper));
  REQUIRE(back);
  CHECK(back->qname.same_spelling(dn("www.example.com.")));
  CHECK(back->qtype == rr_type::aaaa);
  // Names with odd bytes survive the text form.
  const question odd{dn("a\\.b\\000c.example."), rr_type::txt, rr_class::ch};
  const auto odd_back = read_question_term(question_term(odd));
  REQUIRE(odd_back);
  CHECK(odd_back->qname == odd.qname);
  CHECK(odd_back->qclass == rr_class::ch);
  for (const term& bad : {rec("dns.q", "a.", 70000, 1), rec("dns.q", 1, 1, 1), rec("dns.q", "a..b.", 1, 1),
                          rec("dns.q", "a.", 1)})
    CHECK_FALSE(read_question_term(bad));
}

TEST_CASE("dns terms: results read back, malformed ones do not") {
  // read_result gives views into the term: the terms must outlive them.
  const term reply_term = reply_result("\x01\x02");
  const auto reply = read_result(reply_term);
  REQUIRE(reply);
  REQUIRE(reply->reply);
  CHECK(*reply->reply == "\x01\x02");
  const term failure_term = failure_result(rcode::servfail, "timeout");
  const auto failure = read_result(failure_term);
  REQUIRE(failure);
  CHECK(!failure->reply);
  CHECK(failure->failure == rcode::servfail);
  CHECK(failure->why == "timeout");
  CHECK(!failure->busy);
  const term busy_term = busy_result("limit");
  const auto busy = read_result(busy_term);
  REQUIRE(busy);
  CHECK(busy->busy);
  CHECK_FALSE(read_result(rec("reply", "text, not bytes")));
  CHECK_FALSE(read_result(rec("failure", -1, "x")));
  CHECK_FALSE(read_result(sym("reply")));
  const auto up = read_upstream_term(upstream_term("::1", 5300));
  REQUIRE(up);
  CHECK(*up == upstream_address{"::1", 5300});
  CHECK_FALSE(read_upstream_term(rec("upstream", "::1", 0)));
}

TEST_CASE("dns rate limit: a burst, then the rate, refusals counted") {
  using namespace std::chrono_literals;
  rate_limit r(10, 3);
  const auto t0 = rate_limit::clock::time_point{} + 1h;
  CHECK(r.allow(t0));
  CHECK(r.allow(t0));
  CHECK(r.allow(t0));
  CHECK_FALSE(r.allow(t0));
  CHECK_FALSE(r.allow(t0 + 50ms));  // half a token
  CHECK(r.allow(t0 + 100ms));       // one more by now
  CHECK_FALSE(r.allow(t0 + 100ms));
  CHECK(r.take_refused() == 3);
  CHECK(r.take_refused() == 0);
  // Saved up to the burst, never more.
  for (int i = 0; i < 3; ++i) CHECK(r.allow(t0 + 1h));
  CHECK_FALSE(r.allow(t0 + 1h));
}
