// The rules as data: the compiled-in default equals rules/*.yaml, covers every cell once, and a
// broken rule file is reported with positions and codes, every problem at once.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "plan_test_util.hpp"
#include "rules.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

std::vector<std::string> codes(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& i : d.items()) out.push_back(i.code);
  return out;
}

const Diagnostic* find_code(const Diagnostics& d, const std::string& code) {
  for (const auto& i : d.items())
    if (i.code == code) return &i;
  return nullptr;
}

// A temporary folder, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("syncpath-rules-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

}  // namespace

TEST_CASE("the compiled-in rules are the files under rules/ and cover every cell exactly once") {
  const Rules& d = default_rules();
  auto disk = load_rules_dir(source_path("rules"));
  REQUIRE(disk.ok());
  REQUIRE(d.solutions.size() == disk.rules->solutions.size());
  for (std::size_t i = 0; i < d.solutions.size(); ++i) {
    CHECK(d.solutions[i].solution == disk.rules->solutions[i].solution);
    CHECK(d.solutions[i].steps == disk.rules->solutions[i].steps);
  }
  for (const auto& g : enum_names<GroupKind>())
    for (const auto& r : known_relations()) {
      CAPTURE(g);
      CAPTURE(r);
      CHECK(d.find(g, r) != nullptr);
    }
  CHECK(d.find("custom", "classic")->solution == "link_and_route");
  CHECK(d.find("shared", "vpc_same_region")->unsupported);
  CHECK(d.standby_groups == Strings{"exclusive"});
  CHECK(d.public_endpoint_alternative == "internet");
}

TEST_CASE("a broken rule file is reported with file, line, column and a stable code, every problem at once") {
  std::string text = read_file(source_path("rules/connectivity.yaml"));
  text = edit(text, "    steps: [add_whitelist, add_security_group_rule]\n    notes: [internet_traffic_cost]\n  - groups: [custom]",
              "    stepz: [add_whitelist]\n    notes: [internet_traffic_cost]\n  - groups: [custom]");
  text = edit(text, "    steps: [attach_vpc, add_rg_route, add_whitelist, add_security_group_rule]",
              "    steps: [attach_vpc, add_rg_rout, add_whitelist, add_security_group_rule]");
  text = edit(text, "    edition: professional", "    edition: platinum");
  auto r = load_rules_texts({{"bad.yaml", text}});
  CHECK_FALSE(r.ok());
  auto c = codes(r.diagnostics);
  CHECK(c == Strings{"unknown-key", "unknown-step", "unknown-edition"});
  const Diagnostic* key = find_code(r.diagnostics, "unknown-key");
  REQUIRE(key);
  CHECK(key->pos.file == "bad.yaml");
  auto line_of = [&](const std::string& needle) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(text.find(needle)), '\n'));
  };
  CHECK(key->pos.line == line_of("stepz"));
  CHECK(key->pos.column == 5);
  CHECK(key->message.find("did you mean `steps`") != std::string::npos);
  const Diagnostic* step = find_code(r.diagnostics, "unknown-step");
  REQUIRE(step);
  CHECK(step->pos.line == line_of("add_rg_rout,"));
  CHECK(step->pos.column == 25);
  CHECK(step->message.find("did you mean `add_rg_route`") != std::string::npos);
}

TEST_CASE("the rules must cover every (group kind, relation) cell, once") {
  SUBCASE("a missing cell") {
    std::string text = read_file(source_path("rules/connectivity.yaml"));
    text = edit(text, "  - groups: [serverless, exclusive]\n    relations: [classic]\n", "  - groups: [exclusive]\n    relations: [classic]\n");
    auto r = load_rules_texts({{"r.yaml", text}});
    auto* d = find_code(r.diagnostics, "missing-rule");
    REQUIRE(d);
    CHECK(d->message.find("`serverless` with relation `classic`") != std::string::npos);
  }
  SUBCASE("a cell covered twice") {
    std::string text = read_file(source_path("rules/connectivity.yaml"));
    text += "\n";  // a second file repeats one rule
    auto r = load_rules_texts({{"a.yaml", text},
                               {"b.yaml", "version: 1\nsolutions:\n  - groups: [shared]\n    relations: [classic]\n"
                                          "    solution: unsupported\n    reason: twice\n"}});
    auto* d = find_code(r.diagnostics, "duplicate-rule");
    REQUIRE(d);
    CHECK(d->pos.file == "b.yaml");
    CHECK(d->pos.line == 3);
    // standby / alternatives given once only across files: fine here (b.yaml has none).
    CHECK_FALSE(find_code(r.diagnostics, "duplicate-section"));
  }
  SUBCASE("not YAML, wrong version, missing egress") {
    auto a = load_rules_texts({{"a.yaml", "version: 1\nsolutions: [\n"}});
    CHECK(codes(a.diagnostics).front() == "yaml-syntax");
    auto b = load_rules_texts({{"b.yaml", "version: 2\n"}});
    CHECK(find_code(b.diagnostics, "bad-version"));
    auto c = load_rules_texts({{"c.yaml", "version: 1\nsolutions:\n  - {groups: [shared], relations: [internet], solution: direct, steps: [add_whitelist]}\n"}});
    auto* d = find_code(c.diagnostics, "missing-key");
    REQUIRE(d);
    CHECK(d->message.find("egress") != std::string::npos);
  }
  SUBCASE("an empty or missing folder") {
    TempDir dir;
    CHECK(find_code(load_rules_dir(dir.path.string()).diagnostics, "no-rule-files"));
    CHECK(find_code(load_rules_dir((dir.path / "nope").string()).diagnostics, "unreadable-file"));
  }
}

TEST_CASE("changing the plan for a cell is a rule edit: another rule folder changes the solution") {
  // Let shared groups reach same-region VPCs by attaching, using the checks that already exist.
  std::string text = read_file(source_path("rules/connectivity.yaml"));
  text = edit(text, "  - groups: [serverless, exclusive]\n    relations: [vpc_same_region]", "  - groups: [serverless, exclusive, shared]\n    relations: [vpc_same_region]");
  text = edit(text,
              "  - groups: [shared]\n    relations: [vpc_same_region]\n    solution: unsupported\n    steps: []\n"
              "    reason: >-\n      the shared resource group reaches only Internet sources; use a serverless or exclusive group\n"
              "      attached to {network}, or {public_endpoint}\n",
              "");
  TempDir dir;
  dir.write("connectivity.yaml", text);
  auto r = load_rules_dir(dir.path.string());
  REQUIRE(r.ok());
  auto t = load(matrix_text());
  auto before = plan_pair(t, "rg-shared", "hz_db");
  auto after = plan_pair(t, "rg-shared", "hz_db", *r.rules);
  CHECK(before->solution == "unsupported");
  CHECK(after->solution == "attach_vpc");
  CHECK(after->status == PairStatus::needs_changes);
  CHECK(find_step(*after, "attach_vpc", false));
}

TEST_CASE("an unsupported rule must say why: a reason with known placeholders; notes are known codes") {
  const std::string head = "version: 1\nsolutions:\n";
  SUBCASE("no reason") {
    auto r = load_rules_texts({{"r.yaml", head + "  - {groups: [shared], relations: [classic], solution: unsupported}\n"}});
    auto* d = find_code(r.diagnostics, "missing-key");
    REQUIRE(d);
    CHECK(d->message.find("`reason`") != std::string::npos);
    CHECK(d->pos.line == 3);
  }
  SUBCASE("a placeholder that does not exist, with a hint") {
    auto r = load_rules_texts(
        {{"r.yaml", head + "  - {groups: [shared], relations: [classic], solution: unsupported, reason: 'use {netwrk}'}\n"}});
    auto* d = find_code(r.diagnostics, "unknown-placeholder");
    REQUIRE(d);
    CHECK(d->message.find("did you mean `{network}`?") != std::string::npos);
  }
  SUBCASE("a note without a sentence") {
    auto r = load_rules_texts({{"r.yaml", head + "  - {groups: [shared], relations: [internet], solution: direct, "
                                                  "egress: shared_region, steps: [add_whitelist], notes: [free_lunch]}\n"}});
    CHECK(find_code(r.diagnostics, "unknown-note"));
  }
  SUBCASE("a requirement without a reason") {
    auto r = load_rules_texts({{"r.yaml", "version: 1\nrequirements:\n  - {groups: [custom], edition: professional}\n"}});
    auto* d = find_code(r.diagnostics, "missing-key");
    REQUIRE(d);
    CHECK(d->message.find("reason") != std::string::npos);
  }
}

TEST_CASE("every unsupported pair carries its rule's reason, the placeholders filled in") {
  auto t = load(matrix_text());
  auto shared = *plan_pair(t, "rg-shared", "hz_db");
  CHECK(shared.reason ==
        "the shared resource group reaches only Internet sources; use a serverless or exclusive group attached to vpc-hz, "
        "or give hz_db a public endpoint");
  CHECK(plan_pair(t, "rg-shared", "bj_db")->reason.find("connected to vpc-bj") != std::string::npos);
  CHECK(plan_pair(t, "rg-exclusive", "classic_db")->reason ==
        "exclusive resource groups cannot reach the classic network; migrate classic_db to a VPC, or use a custom group "
        "with a host in classic-hz");
  // With a public endpoint the reason points at it (the Internet alternative).
  auto text = edit(matrix_text(), "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}",
                   "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n"
                   "    public_endpoint: {host: hz-pub.rds.example, port: 3306}");
  CHECK(plan(text, "rg-shared", "hz_db").reason.find("or use hz_db's public endpoint (the alternative)") != std::string::npos);
  // Below the edition the requirement's reason says so.
  auto basic = load(edit(matrix_text(), "  edition: professional", "  edition: basic"));
  CHECK(plan_pair(basic, "rg-custom", "hz_db")->reason ==
        "custom resource groups need the professional edition or higher and the workspace has basic; upgrade the "
        "edition, or use a serverless or exclusive group");
  // Every unsupported pair has one, and no other pair does.
  for (const auto& p : plan_all(t)) {
    CAPTURE(p.resource_group);
    CAPTURE(p.data_source);
    CHECK((p.status == PairStatus::unsupported) == !p.reason.empty());
  }
}
