// cluster_status as JSON and as a term: the fields of the cluster issue kept
// as they were, the leader and each member's telemetry added.
#include <doctest/doctest.h>

#include "agora/cluster/status.hpp"

using namespace agora;
using namespace agora::cluster;

namespace {

cluster_status sample() {
  cluster_status s;
  s.node = 1;
  s.incarnation = 10;
  s.members = {{1, "127.0.0.1:1", "up", 10, "", term::sequence(std::vector<term>{rec("role", sym("member")), rec("load", 0.5)})},
               {2, "127.0.0.1:2", "lost", 20, "node_lost(2)", std::nullopt}};
  s.links = {{2, 20, "127.0.0.1:2", true, 150, {1, 2, 3, 4, 5, 6}, 0}};
  return s;
}

}  // namespace

TEST_CASE("status JSON: the old fields first and unchanged, then status per member and the leader") {
  auto s = sample();
  CHECK(to_json(s) ==
        R"j({"node":1,"incarnation":10,"members":[{"id":1,"address":"127.0.0.1:1","state":"up","incarnation":10,"reason":"","status":{"role":"member","load":0.5}},)j"
        R"j({"id":2,"address":"127.0.0.1:2","state":"lost","incarnation":20,"reason":"node_lost(2)","status":null}],)j"
        R"j("links":[{"peer":2,"incarnation":20,"address":"127.0.0.1:2","dialed":true,"rtt_us":150,"frames_out":1,"frames_in":2,"messages_out":3,"messages_in":4,"bytes_out":5,"bytes_in":6}],"leader":null,"jobs":[]})j");
  s.leader = leader_status{3, 7};
  CHECK(to_json(s).ends_with(R"j("leader":{"id":3,"epoch":7},"jobs":[]})j"));
  s.jobs = {{"j1", 10, 4, {{1, 2}, {3, 1}}, "running"}};
  CHECK(to_json(s).ends_with(
      R"j("jobs":[{"id":"j1","parts":10,"done":4,"running":{"1":2,"3":1},"state":"running"}]})j"));
}

TEST_CASE("status term: leader, telemetry and jobs cross a link and come back; the older four-field form is read") {
  auto s = sample();
  s.leader = leader_status{3, 7};
  const auto back = status_from_term(to_term(s));
  REQUIRE(back);
  CHECK(back->leader == s.leader);
  REQUIRE(back->members.size() == 2);
  CHECK(back->members[0].telemetry == s.members[0].telemetry);
  CHECK(!back->members[1].telemetry);
  CHECK(back->jobs.empty());
  s.jobs = {{"j1", 10, 4, {{1, 2}, {3, 1}}, "running"}, {"j0", 2, 2, {}, "done"}};
  CHECK(status_from_term(to_term(s))->jobs == s.jobs);
  CHECK(!status_from_term(rec("cluster_status", 1, 10, term::sequence(std::vector<term>{}), term::sequence(std::vector<term>{}), sym("none"),
                              term::sequence(std::vector<term>{}), term::sequence(std::vector<term>{rec("job", "x", -1, 0, term::sequence(std::vector<term>{}), "done")}))));

  const term old = rec("cluster_status", 1, 10, term::sequence(std::vector<term>{}), term::sequence(std::vector<term>{}));
  const auto read = status_from_term(old);
  REQUIRE(read);
  CHECK(!read->leader);

  CHECK(!status_from_term(rec("cluster_status", 1, 10, term::sequence(std::vector<term>{}), term::sequence(std::vector<term>{}), sym("who"),
                              term::sequence(std::vector<term>{}))));
  CHECK(!status_from_term(rec("cluster_status", 1, 10, term::sequence(std::vector<term>{}), term::sequence(std::vector<term>{}), sym("none"),
                              term::sequence(std::vector<term>{rec("telemetry", 1, 5)}))));
}

TEST_CASE("telemetry_json renders name(VALUE) fields as an object") {
  CHECK(telemetry_json(term::sequence(std::vector<term>{rec("a", 1), rec("b", "x"), rec("c", true), rec("d", term::sequence(std::vector<term>{1, 2}))})) ==
        R"j({"a":1,"b":"x","c":true,"d":[1,2]})j");
}
