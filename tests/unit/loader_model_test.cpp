// The loader fills the typed model: every field, the spec's defaults, the index.
#include <doctest/doctest.h>

#include "loader.hpp"

using namespace syncpath;

namespace {

const char* kSmall = R"(version: 1
workspace:
  name: ws-t
  account: acct-main
  region: cn-hangzhou
accounts:
  - id: acct-main
  - id: acct-partner
networks:
  - id: vpc-hz
    kind: vpc
    account: acct-main
    region: cn-hangzhou
    cidr: [172.16.0.0/16, 172.20.0.0/16]
    internet_nat: {vswitch: vsw-hz-a, snat_eip: 198.51.100.20}
    vswitches:
      - {id: vsw-hz-a, zone: cn-hangzhou-h, cidr: 172.16.1.0/24}
    routes:
      - {destination: 10.40.0.0/16, via: cen-p}
  - id: vpc-p
    kind: vpc
    account: acct-partner
    region: cn-shanghai
    cidr: 10.40.0.0/16
    vswitches:
      - {id: vsw-p, cidr: 10.40.1.0/24}
  - id: idc
    kind: data_center
    cidr: 192.168.0.0/16
links:
  - {id: cen-p, kind: cen, between: [vpc-hz, vpc-p]}
resource_groups:
  - id: rg-x
    kind: exclusive
    eip: 198.51.100.10
    attachments: [{network: vpc-hz, vswitch: vsw-hz-a}]
    routes: [{destination: 10.40.0.0/16, network: vpc-hz}]
  - id: rg-c
    kind: custom
    hosts: [{name: etl-1, network: idc, ip: 192.168.3.10, public_ip: 203.0.113.7}]
data_sources:
  - name: crm
    type: postgresql
    network: vpc-p
    vswitch: vsw-p
    endpoint: {host: crm.example, ip: 10.40.1.10, port: 5432}
    public_endpoint: {host: crm-pub.example, port: 5433}
    whitelist: [172.16.1.0/24]
    security_group:
      ingress: [{protocol: tcp, port: 5432, source: 172.16.1.0/24}, {protocol: all, source: 10.0.0.0/8}]
    database: crm
    username: u
    password: {env: CRM_PW}
    standby: {enabled: true, instance: rr-1}
  - name: web
    type: mysql
    environment: development
    instance: {kind: ecs, id: i-1}
    account: acct-main
    network: internet
    endpoint: {ip: 203.0.113.50, port: 3306}
    password: {file: pw.txt}
  - name: local
    type: csv
    path: data/x.csv
)";

}  // namespace

TEST_CASE("a valid topology loads into the model with every field filled") {
  auto r = load_topology_text(kSmall, "dir/small.yaml");
  CAPTURE(r.diagnostics.items().size());
  for (const auto& d : r.diagnostics.items()) CAPTURE(d.message);
  REQUIRE(r.ok());
  const Topology& t = *r.topology;
  CHECK(t.file == "dir/small.yaml");
  CHECK(t.base_dir == "dir");
  CHECK(t.version == 1);
  CHECK(t.workspace.name == "ws-t");
  CHECK(t.workspace.region == "cn-hangzhou");
  CHECK(t.accounts.size() == 2);
  REQUIRE(t.networks.size() == 3);

  const Network* hz = t.find_network("vpc-hz");
  REQUIRE(hz);
  CHECK(hz->kind == NetworkKind::vpc);
  REQUIRE(hz->cidrs.size() == 2);
  CHECK(hz->cidrs[1].str() == "172.20.0.0/16");
  REQUIRE(hz->internet_nat);
  CHECK(hz->internet_nat->vswitch == "vsw-hz-a");
  CHECK(hz->internet_nat->snat_eip->str() == "198.51.100.20");
  REQUIRE(hz->vswitches.size() == 1);
  CHECK(hz->vswitches[0].zone == "cn-hangzhou-h");
  REQUIRE(hz->routes.size() == 1);
  CHECK(hz->routes[0].via == "cen-p");
  CHECK(hz->routes[0].destination.str() == "10.40.0.0/16");
  CHECK(hz->pos.line == 10);
  CHECK(hz->pos.column == 5);
  CHECK(t.find_network("idc")->kind == NetworkKind::data_center);
  CHECK(t.find_network("idc")->account.empty());

  const Link* cen = t.find_link("cen-p");
  REQUIRE(cen);
  CHECK(cen->kind == LinkKind::cen);
  CHECK(cen->joins("vpc-p", "vpc-hz"));

  const ResourceGroup* x = t.find_group("rg-x");
  REQUIRE(x);
  CHECK(x->kind == GroupKind::exclusive);
  CHECK(x->region == "cn-hangzhou");  // defaulted to the workspace's region
  CHECK(x->eip->str() == "198.51.100.10");
  REQUIRE(x->attachments.size() == 1);
  CHECK(x->attachments[0].scope == AttachScope::vpc);  // the spec's default
  CHECK(x->attachments[0].vswitch == "vsw-hz-a");
  REQUIRE(x->routes.size() == 1);
  CHECK(x->routes[0].network == "vpc-hz");
  const ResourceGroup* c = t.find_group("rg-c");
  REQUIRE(c);
  REQUIRE(c->hosts.size() == 1);
  CHECK(c->hosts[0].ip->str() == "192.168.3.10");
  CHECK(c->hosts[0].public_ip->str() == "203.0.113.7");
  CHECK(c->hosts[0].network == "idc");

  const DataSource* crm = t.find_source("crm");
  REQUIRE(crm);
  CHECK(crm->type == SourceType::postgresql);
  CHECK(crm->environment == Environment::production);
  CHECK(crm->instance_kind == InstanceKind::self_managed);
  CHECK(crm->account == "acct-partner");  // defaulted to its network's account
  CHECK(crm->endpoint->port == 5432);
  CHECK(crm->endpoint->host == "crm.example");
  CHECK(crm->public_endpoint->port == 5433);
  CHECK_FALSE(crm->public_endpoint->ip);
  REQUIRE(crm->whitelist);
  CHECK(crm->whitelist->at(0).str() == "172.16.1.0/24");
  REQUIRE(crm->security_group);
  REQUIRE(crm->security_group->size() == 2);
  CHECK(crm->security_group->at(0).port == 5432);
  CHECK(crm->security_group->at(1).protocol == "all");
  CHECK(crm->security_group->at(1).port == 0);
  CHECK(crm->password.kind == SecretRef::Kind::env);
  CHECK(crm->password.value == "CRM_PW");
  CHECK(crm->standby.enabled);
  CHECK(crm->standby.instance == "rr-1");

  const DataSource* web = t.find_source("web");
  REQUIRE(web);
  CHECK(web->network == "internet");
  CHECK(web->environment == Environment::development);
  CHECK(web->instance_kind == InstanceKind::ecs);
  CHECK(web->instance_id == "i-1");
  CHECK(web->password.kind == SecretRef::Kind::file);
  CHECK_FALSE(web->whitelist);        // absent: no whitelist
  CHECK_FALSE(web->security_group);   // absent: not modelled

  const DataSource* local = t.find_source("local");
  REQUIRE(local);
  CHECK(local->path == "data/x.csv");
  CHECK(local->network.empty());
}

TEST_CASE("the workspace defaults to the basic edition and mode") {
  auto r = load_topology_text("version: 1\nworkspace: {name: w, account: a, region: r}\n", "t.yaml");
  REQUIRE(r.ok());
  CHECK(r.topology->workspace.edition == Edition::basic);
  CHECK(r.topology->workspace.mode == WorkspaceMode::basic);
  CHECK(r.topology->networks.empty());
}

TEST_CASE("an unreadable file is a diagnostic, not an exception") {
  auto r = load_topology_file("/nonexistent/dir/topology.yaml");
  CHECK_FALSE(r.ok());
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].code == "not-readable");
}
