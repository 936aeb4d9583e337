// The assembled model into the YAML tree, in the topology file's vocabulary (the loader reads it
// back), every item with the comment that names its source.
#include "yaml_writer.hpp"

namespace syncpath::import {

namespace {

std::string comment_of(const Assembled& a, const std::string& key) {
  auto it = a.comments.find(key);
  return it == a.comments.end() ? std::string() : it->second;
}

YNode with_comment(YNode n, std::string c) {
  n.comment = std::move(c);
  return n;
}

YNode endpoint(const Endpoint& e) {
  YNode m = YNode::map(true);
  if (!e.host.empty()) m.set("host", e.host);
  if (e.ip) m.set("ip", e.ip->str());
  if (e.port) m.set("port", std::to_string(e.port));
  return m;
}

YNode cidr_list(const std::vector<Cidr>& cidrs) {
  YNode s = YNode::seq(true);
  for (const auto& c : cidrs) s.push(YNode::scalar(c.str()));
  return s;
}

}  // namespace

YNode write_topology(const Assembled& a) {
  const Topology& t = a.topology;
  YNode root = YNode::map();
  root.set("version", "1");
  YNode ws = YNode::map();
  ws.set("name", with_comment(YNode::scalar(t.workspace.name), comment_of(a, "workspace.name")));
  ws.set("account", with_comment(YNode::scalar(t.workspace.account), comment_of(a, "workspace.account")));
  ws.set("region", with_comment(YNode::scalar(t.workspace.region), comment_of(a, "workspace.region")));
  ws.set("edition", with_comment(YNode::scalar(std::string(to_string(t.workspace.edition))), comment_of(a, "workspace.edition")));
  ws.set("mode", YNode::scalar(std::string(to_string(t.workspace.mode))));
  root.set("workspace", ws);

  YNode accounts = YNode::seq();
  for (const auto& acc : t.accounts) {
    YNode m = YNode::map(true);
    m.set("id", acc.id);
    accounts.push(with_comment(m, comment_of(a, "account:" + acc.id)));
  }
  root.set("accounts", accounts);

  YNode networks = YNode::seq();
  for (const auto& n : t.networks) {
    YNode m = YNode::map();
    m.set("id", n.id);
    m.set("kind", std::string(to_string(n.kind)));
    if (!n.account.empty()) m.set("account", n.account);
    if (!n.region.empty() && n.kind == NetworkKind::vpc) m.set("region", n.region);
    if (n.cidrs.size() == 1) m.set("cidr", n.cidrs.front().str());
    else if (!n.cidrs.empty()) m.set("cidr", cidr_list(n.cidrs));
    if (n.internet_nat) {
      YNode nat = YNode::map(true);
      nat.set("vswitch", n.internet_nat->vswitch);
      if (n.internet_nat->snat_eip) nat.set("snat_eip", n.internet_nat->snat_eip->str());
      m.set("internet_nat", with_comment(nat, comment_of(a, "nat:" + n.id)));
    }
    if (!n.vswitches.empty()) {
      YNode vs = YNode::seq();
      for (const auto& v : n.vswitches) {
        YNode vm = YNode::map(true);
        vm.set("id", v.id);
        if (!v.zone.empty()) vm.set("zone", v.zone);
        vm.set("cidr", v.cidr.str());
        vs.push(with_comment(vm, comment_of(a, "vswitch:" + v.id)));
      }
      m.set("vswitches", vs);
    }
    if (!n.routes.empty()) {
      YNode rs = YNode::seq();
      for (const auto& r : n.routes) {
        YNode rm = YNode::map(true);
        rm.set("destination", r.destination.str());
        rm.set("via", r.via);
        rs.push(with_comment(rm, comment_of(a, "route:" + n.id + "|" + r.destination.str())));
      }
      m.set("routes", rs);
    }
    networks.push(with_comment(m, comment_of(a, "network:" + n.id)));
  }
  root.set("networks", networks);

  YNode links = YNode::seq();
  for (const auto& l : t.links) {
    YNode m = YNode::map(true);
    m.set("id", l.id);
    m.set("kind", std::string(to_string(l.kind)));
    YNode between = YNode::seq(true);
    between.push(YNode::scalar(l.between[0]));
    between.push(YNode::scalar(l.between[1]));
    m.set("between", between);
    links.push(with_comment(m, comment_of(a, "link:" + l.id)));
  }
  root.set("links", links);

  YNode groups = YNode::seq();
  for (const auto& g : t.resource_groups) {
    YNode m = YNode::map();
    m.set("id", g.id);
    m.set("kind", std::string(to_string(g.kind)));
    if (!g.region.empty()) m.set("region", g.region);
    if (g.eip) m.set("eip", g.eip->str());
    if (!g.attachments.empty()) {
      YNode as = YNode::seq();
      for (const auto& at : g.attachments) {
        YNode am = YNode::map(true);
        am.set("network", at.network);
        if (!at.vswitch.empty()) am.set("vswitch", at.vswitch);
        am.set("scope", std::string(to_string(at.scope)));
        as.push(with_comment(am, comment_of(a, "attachment:" + g.id + "/" + at.network)));
      }
      m.set("attachments", as);
    }
    if (!g.routes.empty()) {
      YNode rs = YNode::seq();
      for (const auto& r : g.routes) {
        YNode rm = YNode::map(true);
        rm.set("destination", r.destination.str());
        rm.set("network", r.network);
        rs.push(with_comment(rm, comment_of(a, "grouproute:" + g.id + "|" + r.destination.str())));
      }
      m.set("routes", rs);
    }
    groups.push(with_comment(m, comment_of(a, "group:" + g.id)));
  }
  root.set("resource_groups", groups);

  YNode sources = YNode::seq();
  for (const auto& s : t.data_sources) {
    YNode m = YNode::map();
    m.set("name", s.name);
    m.set("type", std::string(to_string(s.type)));
    YNode inst = YNode::map(true);
    inst.set("kind", std::string(to_string(s.instance_kind)));
    if (!s.instance_id.empty()) inst.set("id", s.instance_id);
    m.set("instance", inst);
    if (!s.account.empty()) m.set("account", s.account);
    m.set("network", s.network);
    if (!s.vswitch.empty()) m.set("vswitch", s.vswitch);
    if (s.endpoint) m.set("endpoint", endpoint(*s.endpoint));
    if (s.public_endpoint) m.set("public_endpoint", with_comment(endpoint(*s.public_endpoint), comment_of(a, "public:" + s.name)));
    if (s.whitelist) m.set("whitelist", cidr_list(*s.whitelist));
    if (s.security_group) {
      YNode ingress = YNode::seq();
      for (const auto& r : *s.security_group) {
        YNode rm = YNode::map(true);
        rm.set("protocol", r.protocol);
        if (r.port) rm.set("port", std::to_string(r.port));
        rm.set("source", r.source.str());
        ingress.push(rm);
      }
      YNode sg = YNode::map();
      sg.set("ingress", ingress);
      m.set("security_group", sg);
    }
    sources.push(with_comment(m, comment_of(a, "source:" + s.name)));
  }
  root.set("data_sources", sources);
  return root;
}

}  // namespace syncpath::import
