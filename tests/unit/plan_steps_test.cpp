// Every step action, with a topology that makes it done and one that leaves it to do (the
// matrix topology of tests/data/plan, changed one thing at a time).
#include "plan_test_util.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

const char* kSzNetwork =
    "  - id: vpc-sz\n    kind: vpc\n    account: acct-main\n    region: cn-shenzhen\n    cidr: 10.60.0.0/16\n"
    "    vswitches: [{id: vsw-sz-a, zone: cn-shenzhen-a, cidr: 10.60.1.0/24}]\n"
    "  - id: idc-gz\n    kind: data_center\n    cidr: 10.70.0.0/16\n  # more networks";
const char* kSzSources =
    "  - name: sz_db\n    type: mysql\n    network: vpc-sz\n    endpoint: {host: sz.example, ip: 10.60.1.5, port: 3306}\n"
    "    whitelist: [172.16.1.0/24]\n"
    "  - name: gz_db\n    type: mysql\n    network: idc-gz\n    endpoint: {host: gz.example, ip: 10.70.1.5, port: 3306}\n"
    "    whitelist: [172.16.1.0/24]\n";

std::string with_unlinked_networks() {
  return edit(matrix_text(), "  # more networks", kSzNetwork) + kSzSources;
}

std::string without_serverless_attachment() {
  auto text = edit(matrix_text(), "    attachments: [{network: vpc-hz, vswitch: vsw-hz-a, scope: vpc}]\n", "");
  return edit(text,
              "    routes:\n      - {destination: 10.20.0.0/16, network: vpc-hz}\n      - {destination: 10.40.0.0/16, network: vpc-hz}\n"
              "      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-exclusive",
              "  - id: rg-exclusive");
}

}  // namespace

TEST_CASE("attach_vpc: done when the group is attached to the source's VPC, else to do with the vSwitch to use") {
  auto done = plan(matrix_text(), "rg-serverless", "hz_db");
  CHECK(find_step(done, "attach_vpc", true));
  auto todo = plan(without_serverless_attachment(), "rg-serverless", "hz_db");
  CHECK(todo.status == PairStatus::needs_changes);
  const PlanStep* st = find_step(todo, "attach_vpc", false);
  REQUIRE(st);
  CHECK(st->network == "vpc-hz");
  CHECK(st->vswitch == "vsw-hz-b");  // the source's own vSwitch
  CHECK(st->resource_group == "rg-serverless");
}

TEST_CASE("create_vpc: owed when the workspace's region has no VPC to attach the group to") {
  auto text = edit(without_serverless_attachment(), "  region: cn-hangzhou\n  edition: professional",
                   "  region: cn-shenzhen\n  edition: professional");
  auto p = plan(text, "rg-serverless", "web_api");
  CHECK(actions(p, false) == Strings{"create_vpc", "attach_vpc", "add_nat_gateway"});
  CHECK(find_step(p, "create_vpc", false)->network == "vpc-syncpath-cn-shenzhen");
  // With a VPC in the region there is nothing to create.
  auto q = plan(without_serverless_attachment(), "rg-serverless", "web_api");
  CHECK_FALSE(find_step(q, "create_vpc", false));
  CHECK(find_step(q, "attach_vpc", false)->network == "vpc-hz");
}

TEST_CASE("create_link: done over an existing chain of links, else a new link of the right kind") {
  auto done = plan(matrix_text(), "rg-exclusive", "bj_db");
  CHECK(find_step(done, "create_link", true));
  auto text = with_unlinked_networks();
  SUBCASE("two VPCs: a CEN, which carries routes itself") {
    auto p = plan(text, "rg-exclusive", "sz_db");
    CHECK(p.relation == "vpc_cross_region");
    const PlanStep* st = find_step(p, "create_link", false);
    REQUIRE(st);
    CHECK(st->link_kind == "cen");
    CHECK(st->network == "vpc-hz");
    CHECK(st->peer == "vpc-sz");
    CHECK(actions(p, false) == Strings{"create_link", "add_rg_route"});  // no network route over a CEN
    CHECK(p.path == Strings{"rg-exclusive", "vpc-hz", "link-vpc-hz-vpc-sz", "vpc-sz", "sz_db"});
  }
  SUBCASE("a data center: a VPN gateway, with routes both ways") {
    auto p = plan(text, "rg-exclusive", "gz_db");
    CHECK(p.relation == "data_center");
    CHECK(find_step(p, "create_link", false)->link_kind == "vpn_gateway");
    CHECK(actions(p, false) == Strings{"create_link", "add_network_route", "add_network_route", "add_rg_route"});
  }
}

TEST_CASE("add_network_route: the way there and the way back are both checked") {
  auto done = plan(matrix_text(), "rg-exclusive", "bj_db");
  CHECK(actions(done, true) == Strings{"attach_vpc", "create_link", "add_network_route", "add_network_route", "add_rg_route", "add_whitelist"});
  SUBCASE("missing way back") {
    auto p = plan(edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", ""), "rg-exclusive", "bj_db");
    const PlanStep* st = find_step(p, "add_network_route", false);
    REQUIRE(st);
    CHECK(st->network == "vpc-bj");
    CHECK(st->link == "ec-hz-bj");
    CHECK(st->destination->str() == "172.16.0.0/16");  // the group's VPC block holding its egress CIDR
    CHECK(find_step(p, "add_network_route", true)->network == "vpc-hz");
  }
  SUBCASE("missing way there") {
    auto p = plan(edit(matrix_text(), "      - {destination: 10.20.0.0/16, via: ec-hz-bj}\n", ""), "rg-exclusive", "bj_db");
    const PlanStep* st = find_step(p, "add_network_route", false);
    REQUIRE(st);
    CHECK(st->network == "vpc-hz");
    CHECK(st->destination->str() == "10.20.0.0/16");
  }
}

TEST_CASE("add_rg_route: needed for scope vswitch outside the vSwitch and for every path leaving the VPC") {
  auto t = load(matrix_text());
  CHECK(find_step(*plan_pair(t, "rg-exclusive", "hz_db"), "add_rg_route", true));   // scope vswitch, route present
  CHECK(find_step(*plan_pair(t, "rg-serverless", "bj_db"), "add_rg_route", true));  // leaves the VPC, route present
  // Not owed: scope vpc in the same VPC; scope vswitch with the source inside the vSwitch.
  CHECK(actions(*plan_pair(t, "rg-serverless", "hz_db"), true) == Strings{"attach_vpc", "add_whitelist"});
  auto ecs = *plan_pair(t, "rg-exclusive", "ecs_db");
  CHECK_FALSE(find_step(ecs, "add_rg_route", true));
  CHECK_FALSE(find_step(ecs, "add_rg_route", false));
  SUBCASE("scope vswitch, source in another vSwitch, no route") {
    auto p = plan(edit(matrix_text(), "      - {destination: 172.16.2.0/24, network: vpc-hz}\n", ""), "rg-exclusive", "hz_db");
    const PlanStep* st = find_step(p, "add_rg_route", false);
    REQUIRE(st);
    CHECK(st->destination->str() == "172.16.2.0/24");
    CHECK(st->network == "vpc-hz");
  }
  SUBCASE("a path leaving the attached VPC, no route") {
    auto text = edit(matrix_text(),
                     "    routes:\n      - {destination: 10.20.0.0/16, network: vpc-hz}\n      - {destination: 10.40.0.0/16, network: vpc-hz}\n"
                     "      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-exclusive",
                     "  - id: rg-exclusive");
    auto p = plan(text, "rg-serverless", "bj_db");
    CHECK(actions(p, false) == Strings{"add_rg_route"});
    CHECK(find_step(p, "add_rg_route", false)->destination->str() == "10.20.0.0/16");
    // Over a CEN too: the link carries network routes, not the group's.
    CHECK(actions(plan(text, "rg-serverless", "partner_db"), false) == Strings{"add_rg_route"});
  }
}

TEST_CASE("add_whitelist: the group's egress for that path must be admitted") {
  struct Case {
    const char* what;
    const char* group;
    const char* source;
    const char* from;
    const char* to;
    const char* egress;
  };
  const Case cases[] = {
      {"attached vSwitch CIDR (exclusive, private path)", "rg-exclusive", "hz_db",
       "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
       "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n    whitelist: [192.168.3.10/32]", "172.16.1.0/24"},
      {"attached vSwitch CIDR (serverless, private path)", "rg-serverless", "bj_db",
       "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
       "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n    whitelist: [172.16.2.0/24]", "172.16.1.0/24"},
      {"EIP (exclusive, Internet)", "rg-exclusive", "web_api", "ip: 203.0.113.20, port: 3306}\n    whitelist: any",
       "ip: 203.0.113.20, port: 3306}\n    whitelist: [192.0.2.0/24]", "198.51.100.10/32"},
      {"SNAT EIP (serverless, Internet)", "rg-serverless", "web_api", "ip: 203.0.113.20, port: 3306}\n    whitelist: any",
       "ip: 203.0.113.20, port: 3306}\n    whitelist: [192.0.2.0/24]", "198.51.100.20/32"},
      {"host public IP (custom, Internet)", "rg-custom", "web_api", "ip: 203.0.113.20, port: 3306}\n    whitelist: any",
       "ip: 203.0.113.20, port: 3306}\n    whitelist: [192.0.2.0/24]", "203.0.113.7/32"},
      {"host IP (custom, private path)", "rg-custom", "idc_db",
       "    endpoint: {host: erp.idc.example, ip: 192.168.3.20, port: 1521}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
       "    endpoint: {host: erp.idc.example, ip: 192.168.3.20, port: 1521}\n    whitelist: [172.16.1.0/24]", "192.168.3.10/32"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto done = plan(matrix_text(), c.group, c.source);
    CHECK(find_step(done, "add_whitelist", true));
    auto p = plan(edit(matrix_text(), c.from, c.to), c.group, c.source);
    CHECK(p.status == PairStatus::needs_changes);
    const PlanStep* st = find_step(p, "add_whitelist", false);
    REQUIRE(st);
    CHECK(st->cidr->str() == c.egress);
    CHECK(st->data_source == c.source);
    CHECK(st->fixable);
    // Admitting exactly that address makes it done again.
    auto fixed = plan(edit(matrix_text(), c.from, std::string(c.to).replace(std::string(c.to).find("whitelist: [") + 12, 0,
                                                                            std::string(c.egress) + ", ")),
                      c.group, c.source);
    CHECK(find_step(fixed, "add_whitelist", true));
  }
  SUBCASE("the shared group's egress is not in the topology: to do, not fixable by --fix") {
    auto p = plan(edit(matrix_text(), "ip: 203.0.113.20, port: 3306}\n    whitelist: any",
                       "ip: 203.0.113.20, port: 3306}\n    whitelist: [192.0.2.0/24]"),
                  "rg-shared", "web_api");
    const PlanStep* st = find_step(p, "add_whitelist", false);
    REQUIRE(st);
    CHECK_FALSE(st->fixable);
  }
}

TEST_CASE("add_nat_gateway: a serverless group reaches the Internet only through its VPC's NAT") {
  CHECK(find_step(plan(matrix_text(), "rg-serverless", "web_api"), "add_nat_gateway", true));
  auto p = plan(edit(matrix_text(), "    internet_nat: {vswitch: vsw-hz-a, snat_eip: 198.51.100.20}\n", ""), "rg-serverless", "web_api");
  const PlanStep* st = find_step(p, "add_nat_gateway", false);
  REQUIRE(st);
  CHECK(st->network == "vpc-hz");
  CHECK(st->vswitch == "vsw-hz-a");
  // The exclusive group has its own EIP: no NAT owed.
  auto e = plan(edit(matrix_text(), "    internet_nat: {vswitch: vsw-hz-a, snat_eip: 198.51.100.20}\n", ""), "rg-exclusive", "web_api");
  CHECK(e.status == PairStatus::ready);
}

TEST_CASE("add_security_group_rule: protocol, port and source CIDR must all match on an ECS-hosted source") {
  auto t = load(matrix_text());
  CHECK(find_step(*plan_pair(t, "rg-exclusive", "ecs_db"), "add_security_group_rule", true));
  CHECK(find_step(*plan_pair(t, "rg-custom", "ecs_db"), "add_security_group_rule", true));
  const std::string rule = "        - {protocol: tcp, port: 3306, source: 172.16.1.0/24}";
  struct Case {
    const char* what;
    const char* replacement;
    bool done;
  };
  const Case cases[] = {
      {"another port", "        - {protocol: tcp, port: 3307, source: 172.16.1.0/24}", false},
      {"udp", "        - {protocol: udp, port: 3306, source: 172.16.1.0/24}", false},
      {"another source", "        - {protocol: tcp, port: 3306, source: 172.16.2.0/24}", false},
      {"a wider source", "        - {protocol: tcp, port: 3306, source: 172.16.0.0/16}", true},
      {"all protocols, every port", "        - {protocol: all, source: 172.16.1.0/24}", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto p = plan(edit(matrix_text(), rule, c.replacement), "rg-exclusive", "ecs_db");
    CHECK(p.status == (c.done ? PairStatus::ready : PairStatus::needs_changes));
    if (!c.done) {
      const PlanStep* st = find_step(p, "add_security_group_rule", false);
      REQUIRE(st);
      CHECK(st->port == 3306);
      CHECK(st->protocol == "tcp");
      CHECK(st->cidr->str() == "172.16.1.0/24");
    }
  }
  SUBCASE("an ECS source without a modelled security group gets a note, not a step") {
    auto text = edit(matrix_text(),
                     "    security_group:\n      ingress:\n        - {protocol: tcp, port: 3306, source: 172.16.1.0/24}\n"
                     "        - {protocol: tcp, port: 3306, source: 192.168.3.10/32}\n",
                     "");
    auto p = plan(text, "rg-exclusive", "ecs_db");
    CHECK_FALSE(find_step(p, "add_security_group_rule", true));
    CHECK(has_note(p, "security_group_not_modelled"));
  }
}

TEST_CASE("upgrade_edition: custom groups need the professional edition; below it every custom pair is unsupported") {
  CHECK(find_step(plan(matrix_text(), "rg-custom", "hz_db"), "upgrade_edition", true));
  for (const char* edition : {"basic", "standard"}) {
    CAPTURE(edition);
    auto text = edit(matrix_text(), "  edition: professional", std::string("  edition: ") + edition);
    auto t = load(text);
    for (const char* source : {"web_api", "hz_db", "idc_db", "results_local"}) {
      CAPTURE(source);
      auto p = *plan_pair(t, "rg-custom", source);
      CHECK(p.status == PairStatus::unsupported);
      const PlanStep* st = find_step(p, "upgrade_edition", false);
      REQUIRE(st);
      CHECK_FALSE(st->fixable);
    }
    CHECK(plan_pair(t, "rg-exclusive", "hz_db")->status == PairStatus::ready);  // others unaffected
  }
  CHECK(plan(edit(matrix_text(), "  edition: professional", "  edition: enterprise"), "rg-custom", "hz_db").status == PairStatus::ready);
}

TEST_CASE("migrate_to_vpc: a classic source is unsupported for exclusive and serverless groups until it moves") {
  auto t = load(matrix_text());
  for (const char* g : {"rg-exclusive", "rg-serverless"}) {
    CAPTURE(g);
    auto p = *plan_pair(t, g, "classic_db");
    CHECK(p.status == PairStatus::unsupported);
    REQUIRE(actions(p, false) == Strings{"migrate_to_vpc"});
    CHECK_FALSE(p.steps[0].fixable);
  }
  // Moved into a VPC of the region (the "done" side): the step is gone and the pair is served.
  auto moved = edit(matrix_text(), "    network: classic-hz\n    endpoint: {host: legacy.rds.example, ip: 10.100.8.9, port: 3306}",
                    "    network: vpc-hz\n    endpoint: {host: legacy.rds.example, ip: 172.16.1.40, port: 3306}");
  auto p = plan(moved, "rg-exclusive", "classic_db");
  CHECK(p.status == PairStatus::ready);
  CHECK_FALSE(find_step(p, "migrate_to_vpc", false));
}

TEST_CASE("notes: Internet traffic cost on every Internet path") {
  auto t = load(matrix_text());
  for (const char* g : {"rg-serverless", "rg-exclusive", "rg-custom", "rg-shared"}) {
    CAPTURE(g);
    CHECK(has_note(*plan_pair(t, g, "web_api"), "internet_traffic_cost"));
    CHECK_FALSE(has_note(*plan_pair(t, g, "idc_db"), "internet_traffic_cost"));
  }
}

TEST_CASE("use_exclusive_group: a standby-enabled source is not ready from a group that is not exclusive") {
  auto text = edit(matrix_text(), "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}",
                   "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n    standby: {enabled: true, instance: rr-bj}");
  auto s = load(text);
  CHECK(plan_pair(s, "rg-exclusive", "bj_db")->status == PairStatus::ready);
  CHECK_FALSE(find_step(*plan_pair(s, "rg-exclusive", "bj_db"), "use_exclusive_group", false));
  for (const char* g : {"rg-serverless", "rg-custom"}) {
    CAPTURE(g);
    auto p = *plan_pair(s, g, "bj_db");
    CHECK(p.status == PairStatus::needs_changes);
    const PlanStep* st = find_step(p, "use_exclusive_group", false);
    REQUIRE(st);
    CHECK_FALSE(st->fixable);  // a choice of group, or turning standby off: not configuration to add
    CHECK(st->detail.find("rr-bj") != std::string::npos);
    CHECK(st->detail.find("turn standby off") != std::string::npos);
  }
  // Without standby the same pairs are ready.
  CHECK(plan(matrix_text(), "rg-serverless", "bj_db").status == PairStatus::ready);
  SUBCASE("a group that only issues tasks (purpose: scheduling) owes nothing for standby") {
    auto sched = edit(text, "  - id: rg-serverless\n    kind: serverless\n", "  - id: rg-serverless\n    kind: serverless\n    purpose: scheduling\n");
    CHECK(plan(sched, "rg-serverless", "bj_db").status == PairStatus::ready);
  }
}

TEST_CASE("a source with a public endpoint gets the Internet path as an alternative") {
  auto t0 = load(matrix_text());
  CHECK(plan_pair(t0, "rg-exclusive", "bj_db")->alternatives.empty());
  auto text = edit(matrix_text(), "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}",
                   "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n"
                   "    public_endpoint: {host: bj-pub.rds.example, port: 3306}");
  auto t = load(text);
  auto p = *plan_pair(t, "rg-exclusive", "bj_db");
  REQUIRE(p.alternatives.size() == 1);
  CHECK(p.alternatives[0].relation == "internet");
  CHECK(p.alternatives[0].solution == "direct");
  CHECK(p.alternatives[0].status == PairStatus::needs_changes);  // the whitelist lacks the group's EIP
  CHECK(p.status == PairStatus::ready);                          // the chosen solution is unaffected
  auto q = plan(edit(text, "whitelist: [172.16.1.0/24, 192.168.3.10/32]\n  - name: partner_db",
                     "whitelist: [172.16.1.0/24, 192.168.3.10/32, 198.51.100.10/32]\n  - name: partner_db"),
                "rg-exclusive", "bj_db");
  REQUIRE(q.alternatives.size() == 1);
  CHECK(q.alternatives[0].status == PairStatus::ready);
  // The shared group cannot reach the VPC source, but it can take the Internet alternative.
  auto sh = *plan_pair(t, "rg-shared", "bj_db");
  CHECK(sh.status == PairStatus::unsupported);
  REQUIRE(sh.alternatives.size() == 1);
  CHECK(sh.alternatives[0].solution == "direct");
}

TEST_CASE("a custom group with several hosts shows each host and takes the worst status") {
  auto text = edit(matrix_text(), "      - {name: etl-1, network: idc-sh, ip: 192.168.3.10, public_ip: 203.0.113.7}\n",
                   "      - {name: etl-1, network: idc-sh, ip: 192.168.3.10, public_ip: 203.0.113.7}\n"
                   "      - {name: etl-2, network: idc-sh, ip: 192.168.3.11, public_ip: 203.0.113.8}\n");
  auto p = plan(text, "rg-custom", "idc_db");
  REQUIRE(p.hosts.size() == 2);
  CHECK(p.hosts[0].host == "etl-1");
  CHECK(p.hosts[0].status == PairStatus::ready);
  CHECK(p.hosts[1].host == "etl-2");
  CHECK(p.hosts[1].status == PairStatus::needs_changes);  // 192.168.3.11 is not whitelisted
  CHECK(p.status == PairStatus::needs_changes);
  CHECK(p.host == "etl-2");
}
