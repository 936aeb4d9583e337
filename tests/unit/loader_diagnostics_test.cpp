// Every diagnostic code of the loader, each triggered by a small input, checked for its code,
// severity, line and column. The expected column is found by searching for the text the
// diagnostic must point at on the expected line, so the table reads like the YAML it tests.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "loader.hpp"
#include "loader_codes.hpp"

using namespace syncpath;

namespace {

// Three lines every case starts with: lines 1..3.
const std::string kHead =
    "version: 1\n"
    "workspace: {name: w, account: a1, region: r1}\n"
    "accounts: [{id: a1}, {id: a2}]\n";

// A serverless group g (general purpose: it runs and issues tasks) on line 5.
const std::string kTaskGroups = "resource_groups:\n  - {id: g, kind: serverless}\n";

// A VPC v1 (10.0.0.0/16, vSwitch s1 10.0.1.0/24) on line 5, under `networks:` on line 4.
const std::string kNet =
    "networks:\n"
    "  - {id: v1, kind: vpc, account: a1, region: r1, cidr: 10.0.0.0/16, vswitches: [{id: s1, cidr: 10.0.1.0/24}]}\n";

struct Case {
  const char* code;
  std::string text;
  int line;              // expected 1-based line; 0: the file as a whole
  std::string at;        // the expected column is where this text starts on that line
  int nth = 1;           // ... its nth occurrence on the line
  Severity severity = Severity::error;
};

std::string line_of(const std::string& text, int line) {
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) start = text.find('\n', start) + 1;
  return text.substr(start, text.find('\n', start) - start);
}

int column_of(const std::string& text, int line, const std::string& needle, int nth) {
  std::string l = line_of(text, line);
  std::size_t p = std::string::npos;
  for (int i = 0; i < nth; ++i) p = l.find(needle, p == std::string::npos ? 0 : p + 1);
  REQUIRE_MESSAGE(p != std::string::npos, "test table error: '" << needle << "' not on line " << line);
  return static_cast<int>(p) + 1;
}

std::vector<Case> cases() {
  const std::string H = kHead, N = kNet;
  return {
      {"not-text", "version: 1\nwork\xff" "space: x\n", 2, "\xff"},
      {"empty-file", "# nothing but a comment\n\n", 0, ""},
      {"yaml-syntax", "version: 1\nnetworks: x: y\n", 2, ": y"},
      {"multiple-documents", H + "---\nversion: 1\n", 4, "---"},
      {"wrong-type", H + "networks: {id: v1}\n", 4, "{"},
      {"wrong-type", H + N + "data_sources:\n  - name: d\n    type: mysql\n    network: [v1]\n", 9, "["},
      {"unknown-key", H + "links: []\nnetwork: []\n", 5, "network"},
      {"unknown-key", H + "networks:\n  - id: v1\n    knid: vpc\n", 6, "knid"},
      {"duplicate-key", "version: 1\nversion: 1\nworkspace: {name: w, account: a1, region: r1}\n", 2, "version"},
      {"missing-key", H + "networks:\n  - {id: v1, kind: vpc, account: a1, region: r1}\n", 5, "{"},
      {"missing-key", "version: 1\n", 1, "version"},
      {"bad-value", H + N + "links:\n  - {id: l1, kind: cen, between: [v1]}\n", 7, "[v1]"},
      {"bad-value", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, endpoint: {ip: 10.0.1.5, port: 1},"
                            " standby: {enabled: maybe}}\n", 7, "maybe"},
      {"bad-enum", H + "networks:\n  - {id: v1, kind: vcp, account: a1, region: r1, cidr: 10.0.0.0/16}\n", 5, "vcp"},
      {"bad-port", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, endpoint: {ip: 10.0.1.5, port: 0}}\n",
       7, "0}"},
      {"bad-port", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, endpoint: {ip: 10.0.1.5, port: 3306x}}\n",
       7, "3306x"},
      {"unsupported-version", "version: 2\nworkspace: {name: w, account: a1, region: r1}\n", 1, "2"},
      {"invalid-cidr", H + "networks:\n  - {id: v1, kind: data_center, cidr: 10.0.0.0/33}\n", 5, "10.0.0.0/33"},
      {"invalid-cidr", H + "networks:\n  - {id: v1, kind: data_center, cidr: 10.0.0.1/16}\n", 5, "10.0.0.1/16"},
      {"invalid-address", H + "resource_groups:\n  - {id: g, kind: exclusive, eip: 198.51.100}\n", 5, "198.51.100"},
      {"duplicate-id", H + N + "  - {id: v1, kind: data_center, cidr: 192.168.0.0/16}\n", 6, "v1"},
      {"duplicate-id", H + N + "  - {id: v2, kind: vpc, account: a1, region: r1, cidr: 10.1.0.0/16, vswitches: "
                               "[{id: s1, cidr: 10.1.1.0/24}]}\n", 6, "s1"},
      {"reserved-id", H + "networks:\n  - {id: internet, kind: data_center, cidr: 192.168.0.0/16}\n", 5, "internet"},
      {"unknown-account", H + "networks:\n  - {id: v1, kind: classic, account: a3, region: r1}\n", 5, "a3"},
      {"unknown-network", H + N + "links:\n  - {id: l1, kind: cen, between: [v1, v9]}\n", 7, "v9"},
      {"unknown-vswitch", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, vswitch: s9, "
                                  "endpoint: {ip: 10.0.1.5, port: 3306}}\n", 7, "s9"},
      {"unknown-link", H + "networks:\n  - {id: i1, kind: data_center, cidr: 192.168.0.0/16, routes: "
                           "[{destination: 10.0.0.0/8, via: l9}]}\n", 5, "l9"},
      {"key-not-for-kind", H + N + "resource_groups:\n  - {id: g, kind: shared, attachments: [{network: v1, vswitch: s1}]}\n",
       7, "attachments"},
      {"link-same-network", H + N + "links:\n  - {id: l1, kind: cen, between: [v1, v1]}\n", 7, "["},
      {"route-link-not-joined",
       H + N + "  - {id: d2, kind: data_center, cidr: 192.168.0.0/16}\n  - {id: d3, kind: data_center, cidr: "
               "192.169.0.0/16, routes: [{destination: 10.0.0.0/8, via: l1}]}\nlinks:\n  - {id: l1, kind: vpn_gateway, "
               "between: [v1, d2]}\n",
       7, "l1"},
      {"vswitch-outside-vpc", H + "networks:\n  - {id: v1, kind: vpc, account: a1, region: r1, cidr: 10.0.0.0/16, "
                                  "vswitches: [{id: s1, cidr: 10.9.1.0/24}]}\n", 5, "10.9.1.0/24"},
      {"vswitch-overlap", H + "networks:\n  - id: v1\n    kind: vpc\n    account: a1\n    region: r1\n    cidr: 10.0.0.0/16\n"
                              "    vswitches:\n      - {id: s1, cidr: 10.0.0.0/23}\n      - {id: s2, cidr: 10.0.2.0/24}\n"
                              "      - {id: s3, cidr: 10.0.1.0/24}\n", 13, "{"},
      {"address-outside-network", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, "
                                          "endpoint: {ip: 10.9.1.5, port: 3306}}\n", 7, "10.9.1.5"},
      {"address-outside-network", H + "networks:\n  - {id: i1, kind: data_center, cidr: 192.168.0.0/16}\n"
                                      "resource_groups:\n  - {id: g, kind: custom, hosts: [{name: h, network: i1, "
                                      "ip: 10.1.2.3}]}\n", 7, "10.1.2.3"},
      {"address-outside-vswitch", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, vswitch: s1, "
                                          "endpoint: {ip: 10.0.2.5, port: 3306}}\n", 7, "10.0.2.5"},
      {"link-address-overlap", H + N + "  - {id: d2, kind: data_center, cidr: 10.0.128.0/17}\nlinks:\n"
                                       "  - {id: l1, kind: vpn_gateway, between: [v1, d2]}\n", 8, "{"},
      {"attachment-not-vpc", H + "networks:\n  - {id: i1, kind: data_center, cidr: 192.168.0.0/16}\n"
                                 "resource_groups:\n  - {id: g, kind: exclusive, attachments: [{network: i1, vswitch: s1}]}\n",
       7, "i1"},
      {"attachment-vswitch-not-in-network",
       H + N + "  - {id: v2, kind: vpc, account: a1, region: r1, cidr: 10.1.0.0/16, vswitches: [{id: s2, cidr: "
               "10.1.1.0/24}]}\nresource_groups:\n  - {id: g, kind: serverless, attachments: [{network: v1, vswitch: s2}]}\n",
       8, "s2"},
      {"attachment-cross-region",
       H + "networks:\n  - {id: v2, kind: vpc, account: a1, region: r2, cidr: 10.1.0.0/16, vswitches: [{id: s2, cidr: "
           "10.1.1.0/24}]}\nresource_groups:\n  - {id: g, kind: exclusive, attachments: [{network: v2, vswitch: s2}]}\n",
       7, "v2", 1, Severity::warning},
      {"literal-password", H + "data_sources:\n  - name: d\n    type: csv\n    path: x.csv\n    password: hunter22\n", 8,
       "hunter22", 1, Severity::warning},
      {"password-at-sign", H + "data_sources:\n  - name: d\n    type: csv\n    path: x.csv\n    password: 'a@b'\n", 8,
       "'a@b'", 1, Severity::warning},
      {"custom-group-edition", H + "resource_groups:\n  - id: g\n    kind: custom\n", 6, "custom", 1, Severity::warning},
      {"invalid-address", H + "data_sources:\n  - {name: d, type: mysql, network: internet, whitelist: any, "
                              "endpoint: {host: '[::1]', port: 3306}}\n", 5, "'[::1]'"},
      {"whitelist-not-modelled", H + "data_sources:\n  - {name: d, type: mysql, network: internet, "
                                     "endpoint: {host: db.example, port: 3306}}\n", 5, "{", 1, Severity::warning},
      {"open-to-all", H + "data_sources:\n  - {name: d, type: mysql, network: internet, whitelist: [192.0.2.0/24, 0.0.0.0/0], "
                          "endpoint: {host: db.example, port: 3306}}\n", 5, "0.0.0.0/0", 1, Severity::warning},
      {"open-to-all", H + N + "data_sources:\n  - {name: d, type: mysql, network: v1, whitelist: any, endpoint: {ip: 10.0.1.5, port: 3306},\n"
                              "     security_group: {ingress: [{port: 3306, source: 0.0.0.0/0}]}}\n", 8, "0.0.0.0/0", 1,
       Severity::warning},
      {"open-to-all", H + "data_sources:\n  - {name: d, type: mysql, network: internet, whitelist: any, "
                          "endpoint: {host: db.example, port: 3306}}\n", 5, "any", 1, Severity::warning},
      {"unknown-source", H + kTaskGroups + "data_sources:\n  - {name: d, type: csv, path: d.csv}\ntasks:\n"
                             "  - {name: t, source: d, destination: e, integration_group: g, scheduling_group: g}\n",
       9, "e,"},
      {"unknown-group", H + kTaskGroups + "data_sources:\n  - {name: d, type: csv, path: d.csv}\ntasks:\n"
                            "  - {name: t, source: d, destination: d, integration_group: h, scheduling_group: g}\n",
       9, "h,"},
      {"task-group-purpose", H + kTaskGroups + "  - {id: x, kind: exclusive}\ndata_sources:\n  - {name: d, type: csv, path: d.csv}\n"
                                 "tasks:\n  - {name: t, source: d, destination: d, integration_group: g, scheduling_group: x}\n",
       10, "x}"},
  };
}

}  // namespace

TEST_CASE("each diagnostic code is reported with its severity, line and column") {
  for (const auto& c : cases()) {
    std::string code = c.code;
    CAPTURE(code);
    CAPTURE(c.text);
    auto r = load_topology_text(c.text, "case.yaml");
    const auto& items = r.diagnostics.items();
    auto it = std::find_if(items.begin(), items.end(), [&](const Diagnostic& d) { return d.code == c.code; });
    std::string all;
    for (const auto& d : items)
      all += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.code + ": " + d.message + "\n";
    CAPTURE(all);
    REQUIRE(it != items.end());
    CHECK(it->pos.file == "case.yaml");
    CHECK(it->severity == c.severity);
    CHECK(it->pos.line == c.line);
    int column = c.line == 0 ? 0 : column_of(c.text, c.line, c.at, c.nth);
    CHECK(it->pos.column == column);
    CHECK_FALSE(it->message.empty());
    // A warning alone never makes the topology invalid.
    if (c.severity == Severity::warning) CHECK(r.ok());
  }
}

TEST_CASE("an unreadable file is reported as a whole-file diagnostic") {
  auto r = load_topology_file("/nonexistent-syncpath-dir/t.yaml");
  REQUIRE(r.diagnostics.items().size() == 1);
  const auto& d = r.diagnostics.items()[0];
  CHECK(d.code == "not-readable");
  CHECK(d.pos.line == 0);
  CHECK(d.pos.column == 0);
  CHECK(d.pos.file == "/nonexistent-syncpath-dir/t.yaml");
  CHECK_FALSE(r.topology);
}

TEST_CASE("every code the loader declares is exercised by the table, and the table uses no other") {
  std::set<std::string> tested{"not-readable"};  // by the test case above
  for (const auto& c : cases()) tested.insert(c.code);
  std::set<std::string> declared;
  for (auto code : loader_diagnostic_codes()) declared.insert(std::string(code));
  for (const auto& code : declared) {
    CAPTURE(code);
    CHECK(tested.count(code) == 1);
  }
  for (const auto& code : tested) {
    CAPTURE(code);
    CHECK(declared.count(code) == 1);
  }
}

TEST_CASE("all problems of a file are reported in one pass, in file order") {
  const std::string text = kHead +
                           "networks:\n"
                           "  - {id: v1, kind: vpc, account: a9, region: r1, cidr: 10.0.0.0/16}\n"   // 5: account
                           "  - {id: v2, kind: vpcc, cidr: 10.1.0.0/16}\n"                          // 6: kind
                           "links:\n"
                           "  - {id: l1, kind: cen, between: [v1, v3]}\n"                           // 8: network
                           "data_sources:\n"
                           "  - {name: d, type: mysq, network: v1, endpoint: {ip: 10.0.0.5, port: 99999}}\n";  // 10
  auto r = load_topology_text(text, "t.yaml");
  std::vector<std::pair<int, std::string>> got;
  for (const auto& d : r.diagnostics.items()) got.emplace_back(d.pos.line, d.code);
  std::vector<std::pair<int, std::string>> want{
      {5, "unknown-account"}, {6, "bad-enum"}, {8, "unknown-network"}, {10, "bad-enum"}, {10, "bad-port"}};
  CHECK(got == want);
}

TEST_CASE("near misses get a did-you-mean hint and enum errors list the valid words") {
  auto message_of = [](const std::string& text, const std::string& code) {
    auto r = load_topology_text(text, "t.yaml");
    for (const auto& d : r.diagnostics.items())
      if (d.code == code) return d.message;
    return std::string("<no " + code + ">");
  };
  SUBCASE("an unknown key near a known one") {
    auto m = message_of(kHead + "resource_group: []\n", "unknown-key");
    CHECK(m.find("'resource_group'") != std::string::npos);
    CHECK(m.find("did you mean 'resource_groups'?") != std::string::npos);
  }
  SUBCASE("an unknown key far from every known one lists them") {
    auto m = message_of(kHead + "zzzzzz: []\n", "unknown-key");
    CHECK(m.find("did you mean") == std::string::npos);
    CHECK(m.find("expected one of version, workspace, accounts, networks, links, resource_groups, data_sources") !=
          std::string::npos);
  }
  SUBCASE("a reference to a misspelt network id") {
    auto m = message_of(kHead + kNet + "links:\n  - {id: l, kind: cen, between: [v1, vl]}\n", "unknown-network");
    CHECK(m.find("did you mean 'v1'?") != std::string::npos);
  }
  SUBCASE("a misspelt vswitch in an attachment is looked up in the attached network") {
    auto m = message_of(kHead + kNet + "resource_groups:\n  - {id: g, kind: exclusive, attachments: "
                                       "[{network: v1, vswitch: s2}]}\n",
                        "unknown-vswitch");
    CHECK(m.find("did you mean 's1'?") != std::string::npos);
  }
  SUBCASE("an unknown data source type") {
    auto m = message_of(kHead + "data_sources:\n  - {name: d, type: postgres, network: internet, "
                                "endpoint: {host: x.example, port: 5432}}\n",
                        "bad-enum");
    CHECK(m.find("did you mean 'postgresql'?") != std::string::npos);
    CHECK(m.find("expected one of mysql, postgresql, sqlserver, oracle, polardbx, dm, mongodb, maxcompute, oss, "
                 "ftp, hdfs, memcache, sqlite, csv") != std::string::npos);
  }
  SUBCASE("a CIDR with host bits suggests the network address") {
    auto m = message_of(kHead + "networks:\n  - {id: i, kind: data_center, cidr: 192.168.3.7/16}\n", "invalid-cidr");
    CHECK(m.find("did you mean '192.168.0.0/16'?") != std::string::npos);
  }
}

TEST_CASE("a source on the Internet needs no network entry and no vswitch") {
  auto ok = load_topology_text(kHead + "data_sources:\n  - {name: d, type: mysql, network: internet, "
                                       "whitelist: [192.0.2.0/24], endpoint: {host: db.example, port: 3306}}\n",
                               "t.yaml");
  CHECK(ok.ok());
  CHECK(ok.diagnostics.empty());
  auto bad = load_topology_text(kHead + "data_sources:\n  - {name: d, type: mysql, network: internet, vswitch: s1, "
                                        "whitelist: [192.0.2.0/24], endpoint: {host: db.example, port: 3306}}\n",
                                "t.yaml");
  REQUIRE(bad.diagnostics.items().size() == 1);
  CHECK(bad.diagnostics.items()[0].code == "key-not-for-kind");
}

TEST_CASE("the text kept for carets never holds a literal password") {
  const std::string secret = "Qp4-block-secret";
  const std::string text = kHead + "data_sources:\n  - name: d\n    type: csv\n    path: x.csv\n"
                                   "    password: >\n      " + secret + "\n      more\n    database: db\n";
  auto r = load_topology_text(text, "t.yaml");
  CHECK(r.ok());  // a warning only
  REQUIRE(r.topology);
  CHECK(r.topology->data_sources.at(0).password.value.find(secret) == 0);  // kept to be used...
  CHECK(r.source_text.find(secret) == std::string::npos);                   // ...never to be shown
  CHECK(r.source_text.find("database: db") != std::string::npos);           // the rest is intact
  CHECK(r.source_text.size() == text.size());                                // same length: carets line up
}

TEST_CASE("a stray comma that sends yaml-cpp into endless empty documents is a syntax error, not a hang") {
  // Found by the fuzzer: yaml-cpp 0.7 alone loops forever on this input.
  auto r = load_topology_text("- id: x\n, b\n", "t.yaml");
  REQUIRE(r.diagnostics.items().size() == 1);
  const auto& d = r.diagnostics.items()[0];
  CHECK(d.code == "yaml-syntax");
  CHECK(d.pos.line == 2);
  CHECK(d.pos.column == 1);
  CHECK_FALSE(r.topology);
}

TEST_CASE("vSwitches of a rejected network are not known to later references") {
  // The first network has no id and is rejected; its vSwitch s9 must not be taken for one of
  // the network that then gets its place in the list.
  auto r = load_topology_text(kHead + "networks:\n"
                                      "  - {kind: vpc, account: a1, region: r1, cidr: 10.9.0.0/16, vswitches: [{id: s9, cidr: 10.9.1.0/24}]}\n"
                                      "  - {id: v1, kind: vpc, account: a1, region: r1, cidr: 10.0.0.0/16}\n"
                                      "resource_groups:\n  - {id: g, kind: exclusive, attachments: [{network: v1, vswitch: s9}]}\n",
                              "t.yaml");
  std::vector<std::string> codes;
  for (const auto& d : r.diagnostics.items()) codes.push_back(d.code);
  CHECK(codes == std::vector<std::string>{"missing-key", "unknown-vswitch"});
}

TEST_CASE("a whitelist: absent means the rds/polardb default or not modelled, `any` admits every address") {
  auto source = [](const std::string& fields) {
    auto r = load_topology_text(kHead + kNet + "data_sources:\n  - {name: d, type: mysql, network: v1, " + fields +
                                    ", endpoint: {ip: 10.0.1.5, port: 3306}}\n",
                                "t.yaml");
    return r;
  };
  auto codes = [](const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.items()) out.push_back(d.code);
    return out;
  };
  for (const char* kind : {"rds", "polardb"}) {
    CAPTURE(kind);
    auto r = source(std::string("instance: {kind: ") + kind + ", id: x-1}");
    CHECK(r.ok());
    CHECK(r.diagnostics.empty());  // the instance's default whitelist is known
    CHECK_FALSE(r.topology->data_sources[0].whitelist);
    CHECK(has_default_whitelist(r.topology->data_sources[0].instance_kind));
  }
  for (const char* kind : {"ecs", "self_managed", "saas"}) {
    CAPTURE(kind);
    CHECK(codes(source(std::string("instance: {kind: ") + kind + "}")) == std::vector<std::string>{"whitelist-not-modelled"});
  }
  auto any = source("whitelist: any");
  CHECK(any.diagnostics.empty());  // a private source open to all: said, not warned
  CHECK(any.topology->data_sources[0].whitelist_any);
  CHECK(check_whitelist(any.topology->data_sources[0], Cidr::host(*Ipv4::parse("203.0.113.9"))).verdict ==
        WhitelistVerdict::admits);
  CHECK(codes(source("whitelist: anything")) == std::vector<std::string>{"wrong-type"});
  // The model's reading of each, for the planner and the probe alike.
  auto rds = source("instance: {kind: rds}");
  const Cidr group = *Cidr::parse("10.0.1.0/24");
  auto c = check_whitelist(rds.topology->data_sources[0], group);
  CHECK(c.verdict == WhitelistVerdict::refuses);
  CHECK(c.default_list);
  CHECK(check_whitelist(source("instance: {kind: ecs}").topology->data_sources[0], group).verdict ==
        WhitelistVerdict::not_modelled);
  CHECK(check_whitelist(source("whitelist: [10.0.0.0/16]").topology->data_sources[0], group).entry->str() == "10.0.0.0/16");
}

TEST_CASE("root causes come first, and an error they cause names the things it is about") {
  // vpc-b routes via l1, whose `between` misspells vpc-b: the unknown network (line 8) is the
  // root cause; the route that cannot be via l1 (line 6, earlier in the file) follows it.
  const std::string text = kHead +
                           "networks:\n"
                           "  - {id: vpc-a, kind: vpc, account: a1, region: r1, cidr: 10.0.0.0/16}\n"
                           "  - {id: vpc-b, kind: vpc, account: a1, region: r1, cidr: 10.1.0.0/16, routes: [{destination: 10.0.0.0/16, via: l1}]}\n"
                           "links:\n"
                           "  - {id: l1, kind: cen, between: [vpc-a, vpc-bb]}\n";
  auto r = load_topology_text(text, "t.yaml");
  std::vector<std::pair<int, std::string>> got;
  for (const auto& d : r.diagnostics.items()) got.emplace_back(d.pos.line, d.code);
  CHECK(got == std::vector<std::pair<int, std::string>>{{8, "unknown-network"}, {6, "route-link-not-joined"}});
  const std::string& m = r.diagnostics.items().at(1).message;
  CHECK(m.find("link 'l1' joins 'vpc-a' and 'vpc-bb' (not a defined network), not 'vpc-b'") != std::string::npos);
  CHECK(m.find("''") == std::string::npos);
  // A link with no usable `between` at all: its own error only, nothing about the route via it.
  auto nb = load_topology_text(kHead + "networks:\n"
                                       "  - {id: vpc-b, kind: vpc, account: a1, region: r1, cidr: 10.1.0.0/16, routes: [{destination: 10.0.0.0/16, via: l1}]}\n"
                                       "links:\n  - {id: l1, kind: cen, between: [vpc-b]}\n",
                               "t.yaml");
  std::vector<std::string> nb_codes;
  for (const auto& d : nb.diagnostics.items()) nb_codes.push_back(d.code + ": " + d.message);
  CAPTURE(nb_codes);
  REQUIRE(nb.diagnostics.items().size() == 1);
  CHECK(nb.diagnostics.items()[0].code == "bad-value");
  // A vSwitch whose own CIDR is broken is still known by id: no "unknown vswitch" after it.
  auto v = load_topology_text(kHead + "networks:\n  - {id: v1, kind: vpc, account: a1, region: r1, cidr: 10.0.0.0/16, "
                                      "vswitches: [{id: s1, cidr: 10.0.1.0/33}]}\n"
                                      "resource_groups:\n  - {id: g, kind: exclusive, attachments: [{network: v1, vswitch: s1}]}\n",
                              "t.yaml");
  std::vector<std::string> codes;
  for (const auto& d : v.diagnostics.items()) codes.push_back(d.code);
  CHECK(codes == std::vector<std::string>{"invalid-cidr"});
}

TEST_CASE("tasks name a group that runs them and one that issues them; purposes default by kind") {
  auto r = load_topology_text(kHead +
                                  "resource_groups:\n"
                                  "  - {id: rg-sl, kind: serverless}\n"
                                  "  - {id: rg-ex, kind: exclusive}\n"
                                  "  - {id: rg-sched, kind: exclusive, purpose: scheduling}\n"
                                  "  - {id: rg-sh, kind: shared}\n"
                                  "data_sources:\n  - {name: a, type: csv, path: a.csv}\n  - {name: b, type: csv, path: b.csv}\n"
                                  "tasks:\n"
                                  "  - {name: t1, source: a, destination: b, integration_group: rg-ex, scheduling_group: rg-sched}\n"
                                  "  - {name: t2, source: a, destination: b, integration_group: rg-sl, scheduling_group: rg-sl}\n",
                              "t.yaml");
  REQUIRE(r.ok());
  const auto& t = *r.topology;
  CHECK(t.find_group("rg-sl")->purpose == GroupPurpose::general);
  CHECK(t.find_group("rg-ex")->purpose == GroupPurpose::data_integration);
  CHECK(t.find_group("rg-sched")->purpose == GroupPurpose::scheduling);
  CHECK(t.find_group("rg-sh")->purpose == GroupPurpose::general);
  REQUIRE(t.tasks.size() == 2);
  CHECK(t.find_task("t1")->scheduling_group == "rg-sched");
  CHECK(t.find_task("t2")->integration_group == "rg-sl");
  // The scheduling group cannot run a task; the duplicate name is reported with the first's line.
  auto bad = load_topology_text(kHead + "resource_groups:\n  - {id: s, kind: exclusive, purpose: scheduling}\n"
                                        "data_sources:\n  - {name: a, type: csv, path: a.csv}\ntasks:\n"
                                        "  - {name: t, source: a, destination: a, integration_group: s, scheduling_group: s}\n",
                                "t.yaml");
  REQUIRE(bad.diagnostics.items().size() == 1);
  CHECK(bad.diagnostics.items()[0].message.find("cannot run Data Integration tasks") != std::string::npos);
}
