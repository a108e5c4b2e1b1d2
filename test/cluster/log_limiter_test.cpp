// log_limiter with explicit times: a burst, then one line per interval, and
// the count of lines held back.
#include <doctest/doctest.h>

#include "log_limiter.hpp"

using agora::cluster::detail::log_limiter;
using namespace std::chrono_literals;

TEST_CASE("log_limiter: a burst, then one per interval, telling what was held back") {
  log_limiter limit(3, 1s);
  const auto t0 = log_limiter::clock::time_point{} + 100h;
  CHECK(limit.admit(t0) == 0u);
  CHECK(limit.admit(t0) == 0u);
  CHECK(limit.admit(t0 + 1ms) == 0u);
  CHECK(limit.admit(t0 + 2ms) == std::nullopt);
  CHECK(limit.admit(t0 + 500ms) == std::nullopt);
  CHECK(limit.admit(t0 + 1001ms) == 2u);  // one earned; two were held back
  CHECK(limit.admit(t0 + 1002ms) == std::nullopt);
  CHECK(limit.admit(t0 + 10s) == 1u);  // the burst is back, not more
  CHECK(limit.admit(t0 + 10s) == 0u);
  CHECK(limit.admit(t0 + 10s) == 0u);
  CHECK(limit.admit(t0 + 10s) == std::nullopt);
}
