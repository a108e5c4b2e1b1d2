// Reading /proc/PID/stat: CPU time, parent, start time.
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "proc_stat.hpp"

using namespace agora_bench;

TEST_CASE("proc stat: utime + stime, the parent and the start time, past a comm with spaces and parentheses") {
  // Fields 1..22: pid (comm) state ppid pgrp session tty tpgid flags minflt
  // cminflt majflt cmajflt utime stime cutime cstime priority nice threads
  // itrealvalue starttime ...
  const std::string line =
      "4242 (nsd: server) 1) S 4200 4200 4200 0 -1 4194560 100 0 0 0 250 125 7 9 20 0 1 0 987654 "
      "12345678 300 18446744073709551615";
  const auto t = parse_proc_stat(line, 100);
  REQUIRE(t);
  CHECK(t->parent == 4200);
  CHECK(t->cpu_s == doctest::Approx(3.75));  // (250 + 125) / 100; the children's 7 and 9 not counted
  CHECK(t->start_ticks == 987654);
}

TEST_CASE("proc stat: a short, garbled or empty line reads as nothing") {
  CHECK_FALSE(parse_proc_stat("", 100));
  CHECK_FALSE(parse_proc_stat("4242 (x) S 1 2 3", 100));
  CHECK_FALSE(parse_proc_stat("4242 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21", 100));
  CHECK_FALSE(parse_proc_stat("4242 (x) S y 1 1 0 -1 0 0 0 0 0 a b 0 0 20 0 1 0 5", 100));
  CHECK_FALSE(parse_proc_stat("4242 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5", 0));
}

TEST_CASE("proc stat: this process reads, and its CPU time only grows") {
  const auto before = read_proc_times(getpid());
  REQUIRE(before);
  CHECK(before->parent == getppid());
  volatile unsigned long spin = 0;
  for (unsigned long i = 0; i < 50'000'000; ++i) spin = spin + i;
  const auto after = read_proc_times(getpid());
  REQUIRE(after);
  CHECK(after->cpu_s >= before->cpu_s);
  CHECK(after->start_ticks == before->start_ticks);
  CHECK_FALSE(read_proc_times(-1));
}
