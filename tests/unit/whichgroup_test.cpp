// `whichgroup`: the pipeline names of the seed document mapped to resource-group kinds.
#include <doctest/doctest.h>

#include <sstream>

#include "whichgroup.hpp"

using namespace syncpath;

TEST_CASE("pipeline names map to the kinds the seed document lists") {
  std::string cluster;
  CHECK(group_kind_of("basecommon_group_123456_oxs", &cluster) == "shared");
  CHECK(cluster == "oxs");
  CHECK(group_kind_of("basecommon_group_123456_ecs", &cluster) == "shared");
  CHECK(cluster == "ecs");
  CHECK(group_kind_of("basecommon_group_123456", &cluster) == "shared");
  CHECK(cluster.empty());
  SUBCASE("the seed's stray space after basecommon_ is accepted") {
    CHECK(group_kind_of("basecommon_ group_xxx_oxs", &cluster) == "shared");
    CHECK(cluster == "oxs");
  }
  CHECK(group_kind_of("basecommon_S_res_group_88_1") == "exclusive");
  CHECK(group_kind_of("basecommon_my_etl_group") == "custom");
  CHECK(group_kind_of("basecommon_") == "unknown");
  CHECK(group_kind_of("something_else") == "unknown");
}

TEST_CASE("a log is scanned line by line, with task ids where the line has one") {
  std::istringstream log(
      "2026-11-22 10:00:01 INFO start\n"
      "2026-11-22 10:00:02 INFO taskId=7001 running in Pipeline[basecommon_S_res_group_42_7]\n"
      "2026-11-22 10:00:03 INFO running in Pipeline[basecommon_ group_xxx_oxs]\n"
      "garbage running in Pipeline[unterminated\n"
      "2026-11-22 10:00:04 INFO jobId: 99 running in Pipeline[basecommon_etl_hosts]\n");
  auto runs = scan_log(log);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].line == 2);
  CHECK(runs[0].group_kind == "exclusive");
  CHECK(runs[0].task == "7001");
  CHECK(runs[1].line == 3);
  CHECK(runs[1].pipeline == "basecommon_ group_xxx_oxs");
  CHECK(runs[1].group_kind == "shared");
  CHECK(runs[1].cluster == "oxs");
  CHECK(runs[1].task.empty());
  CHECK(runs[2].line == 5);
  CHECK(runs[2].group_kind == "custom");
  CHECK(runs[2].task == "99");
}
