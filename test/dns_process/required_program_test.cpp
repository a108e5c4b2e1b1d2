// The skip line of tests that need a program from Debian.
#include <doctest/doctest.h>

#include "required_program.hpp"

using dns_process::missing_program;

TEST_CASE("required program: nothing for an installed one, one line naming the program and package for a missing one") {
  CHECK(!missing_program("sh", "dash"));
  const auto why = missing_program("agora-no-such-program", "agora-no-such-package");
  REQUIRE(why);
  CHECK(*why ==
        "agora-no-such-program not found: test skipped (Debian package agora-no-such-package; "
        "`bash scripts/bootstrap.sh --test` installs it)");
}
