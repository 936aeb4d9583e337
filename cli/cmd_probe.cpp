// `syncpath probe`: live checks from this machine, taken to be a resource group's host.
// Two modes: a topology (every data source the group must reach, with the whitelist check and
// a remedy drawn from the topology model) or one ad-hoc `--target HOST:PORT`.
// The probes library does the network work; this file knows topologies and explains results.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.hpp"
#include "loader.hpp"
#include "model.hpp"
#include "plan.hpp"
#include "probe.hpp"

namespace syncpath::cli {

namespace {

using probes::CheckResult;
using probes::CheckStatus;
using probes::Verdict;

struct ProbeArgs {
  std::string topology, rg, host, targets_file, protocol = "tcp", dns_server, user, database, password_env, http_path = "/";
  std::vector<std::string> sources, targets;
  int concurrency = 64, retries = 0;
  double timeout = 3.0;
  bool insecure = false;
  CommonOptions common;
};

struct Remedy {
  std::string action, detail;
};

// One data source's outcome as the report shows it.
struct Row {
  std::string data_source;
  probes::TargetResult result;
  Remedy remedy;
  std::vector<std::string> notes;  // e.g. "the topology file does not match the real network"
  std::string plan_status, plan_solution;  // topology mode: what the planner says of the pair
};

struct Report_ {
  std::string host, resource_group;
  std::vector<Row> rows;
};

// ---------------------------------------------------------------- topology reasoning ----

// Where the group's traffic to one source is expected to leave from, as the plan sees it.
struct Egress {
  std::vector<Cidr> cidrs;   // empty: unknown
  std::string described;     // "vSwitch vsw-hz-a 172.16.1.0/24", "host etl-1 192.168.3.10"
  std::string network;       // the network the traffic starts in ("" for the Internet path)
  const Attachment* attachment = nullptr;
  bool internet = false;
};

struct PairContext {
  const Topology* topo = nullptr;
  const ResourceGroup* group = nullptr;
  const Host* host = nullptr;  // custom groups: the host this machine is
  const DataSource* source = nullptr;
  bool uses_public_endpoint = false;
  Egress egress;
  const Judgement* plan = nullptr;  // the planner's judgement for this pair (and host)
};

Egress expected_egress(const PairContext& p) {
  Egress e;
  const auto& g = *p.group;
  e.internet = p.source->network == kInternet || p.uses_public_endpoint;
  if (g.kind == GroupKind::custom) {
    if (!p.host) return e;
    e.network = e.internet ? "" : p.host->network;
    auto ip = e.internet ? p.host->public_ip : p.host->ip;
    if (ip) {
      e.cidrs.push_back(Cidr::host(*ip));
      e.described = std::string("host ") + p.host->name + (e.internet ? " public address " : " address ") + ip->str();
    }
    return e;
  }
  if (g.kind == GroupKind::shared) return e;  // the region's shared egress: not in the topology
  // Serverless and exclusive groups leave from an attached vSwitch; prefer the attachment in
  // the source's own network.
  const Attachment* att = nullptr;
  for (const auto& a : g.attachments)
    if (a.network == p.source->network) att = &a;
  if (!att && !g.attachments.empty()) att = &g.attachments.front();
  e.attachment = att;
  if (e.internet) {
    if (g.kind == GroupKind::exclusive && g.eip) {
      e.cidrs.push_back(Cidr::host(*g.eip));
      e.described = "the group's EIP " + g.eip->str();
    } else if (g.kind == GroupKind::serverless && att) {
      const Network* n = p.topo->find_network(att->network);
      if (n && n->internet_nat && n->internet_nat->snat_eip) {
        e.cidrs.push_back(Cidr::host(*n->internet_nat->snat_eip));
        e.described = "the SNAT EIP " + n->internet_nat->snat_eip->str() + " of " + n->id;
      }
    }
    return e;
  }
  if (!att) return e;
  e.network = att->network;
  const Network* n = p.topo->find_network(att->network);
  const VSwitch* v = n ? n->find_vswitch(att->vswitch) : nullptr;
  if (v) {
    e.cidrs.push_back(v->cidr);
    e.described = "vSwitch " + v->id + " " + v->cidr.str();
  }
  return e;
}

bool cidr_list_covers(const std::vector<Cidr>& list, const Cidr& c) {
  return std::any_of(list.begin(), list.end(), [&](const Cidr& w) { return w.contains(c); });
}

std::string join_cidrs(const std::vector<Cidr>& list) {
  std::string s;
  for (const auto& c : list) s += (s.empty() ? "" : ", ") + c.str();
  return s.empty() ? "(empty)" : s;
}

// The address the source is reached at, for route checks.
std::optional<Ipv4> source_address(const PairContext& p, const probes::TargetResult& r) {
  const auto& ep = p.uses_public_endpoint ? p.source->public_endpoint : p.source->endpoint;
  if (ep && ep->ip) return ep->ip;
  auto colon = r.address.rfind(':');
  if (colon != std::string::npos) return Ipv4::parse(r.address.substr(0, colon));
  return std::nullopt;
}

const Route* route_to(const Network& n, std::string_view via, Ipv4 dest) {
  const Route* best = nullptr;
  for (const auto& r : n.routes)
    if (r.via == via && r.destination.contains(dest) && (!best || r.destination.prefix() > best->destination.prefix()))
      best = &r;
  return best;
}

// The steps the topology says are still owed for the network path (empty: the topology thinks
// the path is complete). Mirrors the spec's step rules for links and routes.
std::vector<Remedy> missing_path_steps(const PairContext& p, Ipv4 dest) {
  std::vector<Remedy> steps;
  const auto& s = *p.source;
  const auto& g = *p.group;
  if (p.egress.internet) {
    if (g.kind == GroupKind::serverless) {
      const Network* n = p.egress.attachment ? p.topo->find_network(p.egress.attachment->network) : nullptr;
      if (!n || !n->internet_nat)
        steps.push_back({"add_nat_gateway", "give " + (n ? n->id : std::string("the attached VPC")) +
                                                " an Internet NAT gateway with an SNAT entry and EIP"});
    }
    return steps;
  }
  if (g.kind == GroupKind::shared) {
    steps.push_back({"unsupported", "a shared group reaches only Internet sources: use an exclusive or serverless group, or a public endpoint"});
    return steps;
  }
  if ((g.kind == GroupKind::exclusive || g.kind == GroupKind::serverless) && !p.egress.attachment) {
    steps.push_back({"attach_vpc", "associate " + g.id + " with a VPC and vSwitch that can reach " + s.network});
    return steps;
  }
  const std::string& from = p.egress.network;
  if (from.empty()) return steps;
  // Attached with scope vswitch: the group reaches only its vSwitch until a route is added.
  auto needs_rg_route = [&](bool leaves_vpc) {
    if (!p.egress.attachment) return false;
    bool in_vswitch = !p.egress.cidrs.empty() && p.egress.cidrs.front().contains(dest);
    if (!leaves_vpc && (p.egress.attachment->scope == AttachScope::vpc || in_vswitch)) return false;
    return !std::any_of(g.routes.begin(), g.routes.end(), [&](const GroupRoute& r) {
      return r.network == from && r.destination.contains(dest);
    });
  };
  if (from == s.network) {
    if (needs_rg_route(false))
      steps.push_back({"add_rg_route", "add a route to " + g.id + ": destination " + Cidr::host(dest).str() +
                                           " (or the source's vSwitch CIDR) in network " + from});
    return steps;
  }
  const Link* link = nullptr;
  for (const auto& l : p.topo->links)
    if (l.joins(from, s.network)) link = &l;
  if (!link) {
    steps.push_back({"create_link", "connect " + from + " and " + s.network +
                                        " (Express Connect, VPN gateway or CEN): no link joins them"});
    return steps;
  }
  if (needs_rg_route(true))
    steps.push_back({"add_rg_route", "add a route to " + g.id + ": destination " + Cidr::host(dest).str() +
                                         " in network " + from});
  if (link->kind != LinkKind::cen) {
    const Network* a = p.topo->find_network(from);
    const Network* b = p.topo->find_network(s.network);
    if (a && !route_to(*a, link->id, dest))
      steps.push_back({"add_network_route", "in " + a->id + "'s route table: destination " + Cidr::host(dest).str() +
                                                " via " + link->id});
    if (b && !p.egress.cidrs.empty() && !route_to(*b, link->id, p.egress.cidrs.front().network()))
      steps.push_back({"add_network_route", "in " + b->id + "'s route table: destination " +
                                                p.egress.cidrs.front().str() + " via " + link->id + " (the way back)"});
  }
  return steps;
}

std::optional<Remedy> missing_security_rule(const PairContext& p, int port) {
  const auto& sg = p.source->security_group;
  if (!sg || p.egress.cidrs.empty()) return std::nullopt;
  const Cidr& from = p.egress.cidrs.front();
  bool open = std::any_of(sg->begin(), sg->end(), [&](const SecurityRule& r) {
    bool proto = r.protocol == "tcp" || r.protocol == "all";
    bool port_ok = r.port == port || (r.protocol == "all" && r.port == 0);
    return proto && port_ok && r.source.contains(from);
  });
  if (open) return std::nullopt;
  return Remedy{"add_security_group_rule", "open tcp " + std::to_string(port) + " from " + from.str() + " in " +
                                               p.source->name + "'s security group"};
}

const std::string kMismatch = "the topology file does not match the real network";

// The whitelist check and the remedy for one probed source.
void explain_with_topology(const PairContext& p, Row& row) {
  auto& r = row.result;
  const auto& s = *p.source;
  CheckResult wl{"whitelist", CheckStatus::skip, 0.0, ""};
  std::vector<std::string> warnings;
  std::optional<Ipv4> local = Ipv4::parse(r.local_address);
  bool handshake_rejected = r.verdict == Verdict::rejected_by_whitelist;
  bool egress_known = !p.egress.cidrs.empty();
  const Cidr* egress = egress_known ? &p.egress.cidrs.front() : nullptr;

  if (!local) {
    wl.detail = "not run: no connection was made";
  } else {
    std::string d = "left from " + r.local_address;
    if (!p.egress.internet && egress) {
      if (egress->contains(*local)) d += ", inside the expected egress " + p.egress.described;
      else
        warnings.push_back("the connection left from " + r.local_address + ", not from the expected egress " +
                           p.egress.described + ": NAT on the way, or this machine is not " +
                           (p.host ? p.host->name : "a host of " + p.group->id));
    } else if (p.egress.internet && egress) {
      d += "; on the Internet path the source sees " + p.egress.described;
    } else {
      d += "; the topology gives no egress address for " + p.group->id;
    }
    // What the topology's whitelist says about the address the source will see.
    std::optional<Cidr> seen = egress ? std::optional<Cidr>(*egress) : std::optional<Cidr>();
    if (!p.egress.internet && !seen) seen = Cidr::host(*local);
    bool listed = true;
    if (!s.whitelist) {
      d += "; the topology gives " + s.name + " no whitelist";
    } else if (seen) {
      listed = cidr_list_covers(*s.whitelist, *seen);
      d += std::string("; the topology's whitelist [") + join_cidrs(*s.whitelist) + "] " +
           (listed ? "covers " : "does not cover ") + seen->str();
    }
    bool spoke_handshake = r.target.protocol == probes::Protocol::mysql || r.target.protocol == probes::Protocol::postgresql;
    if (handshake_rejected) {
      wl.status = CheckStatus::fail;
      d = "the server rejected the client address; " + d;
      // Only when the connection left from where the plan expects does the rejection say the
      // real whitelist differs; from elsewhere, the server judged another address.
      bool from_expected = !egress || p.egress.internet || egress->contains(*local);
      if (listed && s.whitelist && from_expected)
        warnings.push_back(kMismatch + ": the topology's whitelist allows this group, the server does not");
    } else if (!listed && r.verdict == Verdict::reachable) {
      if (spoke_handshake) {
        wl.status = CheckStatus::pass;
        warnings.push_back(kMismatch + ": the server let this host in, but the topology's whitelist does not list it");
      } else {
        // The handshake of this protocol cannot show a whitelist: trust the topology.
        wl.status = CheckStatus::fail;
        d += " (predicted from the topology: this protocol's handshake cannot show a whitelist)";
        r.verdict = Verdict::rejected_by_whitelist;
      }
    } else {
      wl.status = r.verdict == Verdict::reachable ? CheckStatus::pass : CheckStatus::skip;
    }
    wl.detail = d;
  }
  for (const auto& w : warnings) wl.detail += "; warning: " + w;
  r.checks.push_back(wl);
  for (const auto& w : warnings) row.notes.push_back(w);

  // DNS warning (an unexpected answer) is a note too.
  for (const auto& c : r.checks)
    if (c.check == "dns" && c.detail.find("warning:") != std::string::npos)
      row.notes.push_back(c.detail.substr(c.detail.find("warning:") + 9));

  // The steps still owed for the network path: the planner's when it judged the pair, else
  // our own reading of the topology (links, routes, security group).
  std::vector<Remedy> path_steps;
  std::optional<Remedy> plan_whitelist;
  if (p.plan) {
    row.plan_status = std::string(status_name(p.plan->status));
    row.plan_solution = p.plan->solution;
    for (const auto& st : p.plan->steps) {
      if (st.done) continue;
      if (st.action == "add_whitelist") {
        if (!plan_whitelist) plan_whitelist = Remedy{st.action, st.detail};
      } else {
        path_steps.push_back({st.action, st.detail});
      }
    }
  } else {
    auto dest = source_address(p, r);
    if (dest) path_steps = missing_path_steps(p, *dest);
    if (auto sg_step = missing_security_rule(p, r.target.port)) path_steps.push_back(*sg_step);
  }
  bool plan_ready = p.plan && p.plan->status == PairStatus::ready;
  // Credentials are not part of the network: a wrong password says nothing about the topology.
  if (plan_ready && r.verdict != Verdict::reachable && r.verdict != Verdict::auth_failed)
    row.notes.push_back("the plan says " + p.group->id + " -> " + s.name + " is ready, but the probe found " +
                        probes::to_string(r.verdict) + ": " + kMismatch);
  std::string owed;
  for (const auto& st : path_steps) owed += (owed.empty() ? "" : "; ") + st.action + ": " + st.detail;

  switch (r.verdict) {
    case Verdict::reachable:
      row.remedy = {"none", "nothing to fix"};
      if (!path_steps.empty())
        row.notes.push_back(std::string(p.plan ? "the plan says this pair needs changes (" : "the topology still owes (") +
                            owed + "), yet the probe got through: " + kMismatch);
      break;
    case Verdict::dns_failure: {
      const auto& ep = p.uses_public_endpoint ? s.public_endpoint : s.endpoint;
      row.remedy = {"fix_dns", "make " + r.target.host + " resolve on this host (the DNS zone it uses, a private zone, or /etc/hosts)" +
                                   (ep && ep->ip ? "; the topology says it is " + ep->ip->str() : std::string())};
      break;
    }
    case Verdict::no_route_or_filtered:
      if (!path_steps.empty()) row.remedy = path_steps.front();
      else {
        row.remedy = {"check_network", kMismatch + ": the topology has every link, route and rule for this path, but no answer came; check the real route tables, firewalls and ACLs between " +
                                           (p.egress.described.empty() ? std::string("this host") : p.egress.described) +
                                           " and " + r.address};
        if (!p.plan) row.notes.push_back(kMismatch + ": the path in the topology is complete but the probe got no answer");
      }
      for (std::size_t i = 1; i < path_steps.size(); ++i)
        row.remedy.detail += (i == 1 ? "; then " : "; ") + path_steps[i].action + ": " + path_steps[i].detail;
      break;
    case Verdict::refused:
      row.remedy = {"check_endpoint", "the address answered on " + r.address +
                                          " but refused the session: check the endpoint's port in the topology, that the service listens on that address, and firewall reject rules"};
      break;
    case Verdict::rejected_by_whitelist: {
      std::string cidr = egress ? egress->str() : (local ? Cidr::host(*local).str() : std::string("this host's address"));
      row.remedy = {"add_whitelist", "add " + cidr + " to " + s.name + "'s whitelist" +
                                         (egress ? " (" + p.egress.described + ")" : std::string(" (the address the connection left from)"))};
      if (plan_whitelist) row.remedy.detail += "; the plan owes this step too: " + plan_whitelist->detail;
      if (local && egress && !p.egress.internet && !egress->contains(*local))
        row.remedy.detail += "; the connection left from " + r.local_address +
                             ", outside that CIDR: NAT or the wrong host, so the server sees another address";
      break;
    }
    case Verdict::auth_failed: {
      std::string where;
      if (s.password.kind == SecretRef::Kind::env) where = " (password from environment variable " + s.password.value + ")";
      else if (s.password.kind == SecretRef::Kind::file) where = " (password from file " + s.password.value + ")";
      row.remedy = {"fix_credentials", "the host is allowed and the server checked the login: fix user '" + s.username + "'" + where};
      break;
    }
    case Verdict::tls_failure:
      row.remedy = {"fix_tls", "TLS with " + r.target.host + " failed: the certificate is not trusted for that name, or the port does not speak TLS"};
      break;
    case Verdict::timeout:
      row.remedy = {"check_service", "the port accepts connections but the service did not answer in time: it is hung or overloaded, or it is not " +
                                         std::string(probes::to_string(r.target.protocol))};
      break;
  }
}

void explain_ad_hoc(Row& row) {
  auto& r = row.result;
  r.checks.push_back({"whitelist", CheckStatus::skip, 0.0,
                      r.local_address.empty() ? "not run: no connection was made"
                                              : "left from " + r.local_address + "; no topology to compare with"});
  switch (r.verdict) {
    case Verdict::reachable: row.remedy = {"none", "nothing to fix"}; break;
    case Verdict::dns_failure: row.remedy = {"fix_dns", "make " + r.target.host + " resolve on this host"}; break;
    case Verdict::no_route_or_filtered:
      row.remedy = {"check_network", "no answer from " + r.address + ": check routes, links and firewalls between this host and it (give a topology to get the exact step)"};
      break;
    case Verdict::refused: row.remedy = {"check_endpoint", "nothing accepts on " + r.address + ", or a firewall rejects"}; break;
    case Verdict::rejected_by_whitelist:
      row.remedy = {"add_whitelist", "add " + (r.local_address.empty() ? std::string("this host's address") : r.local_address + "/32") +
                                         " (the address the connection left from; behind NAT, the NAT's address) to the whitelist"};
      break;
    case Verdict::auth_failed: row.remedy = {"fix_credentials", "the host is allowed; fix the user or password"}; break;
    case Verdict::tls_failure: row.remedy = {"fix_tls", "the certificate is not trusted, or the port does not speak TLS"}; break;
    case Verdict::timeout: row.remedy = {"check_service", "the port accepts connections but the service did not answer in time"}; break;
  }
}

// ---------------------------------------------------------------- rendering ----

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

void render_json(std::ostream& out, const Report_& rep) {
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& row : rep.rows) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& c : row.result.checks)
      checks.push_back({{"check", c.check}, {"status", probes::to_string(c.status)}, {"ms", std::round(c.ms * 10) / 10}, {"detail", c.detail}});
    nlohmann::ordered_json item = {
        {"data_source", row.data_source},
        {"target", row.result.target.host + ":" + std::to_string(row.result.target.port)},
        {"protocol", probes::to_string(row.result.target.protocol)},
        {"address", row.result.address},
        {"local_address", row.result.local_address},
        {"checks", checks},
        {"verdict", probes::to_string(row.result.verdict)},
        {"remedy", {{"action", row.remedy.action}, {"detail", row.remedy.detail}}},
        {"notes", row.notes}};
    if (!row.plan_status.empty()) item["plan"] = {{"status", row.plan_status}, {"solution", row.plan_solution}};
    results.push_back(item);
  }
  nlohmann::ordered_json doc = {{"host", rep.host}, {"results", results}};
  if (!rep.resource_group.empty()) doc["resource_group"] = rep.resource_group;
  // Details quote what servers sent, which need not be UTF-8: replace such bytes, never throw.
  out << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

std::string xml_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') r += ' ';
        else r += c;
    }
  }
  return r;
}

void render_junit(std::ostream& out, const Report_& rep) {
  int failures = 0;
  double total_ms = 0;
  for (const auto& row : rep.rows) {
    if (row.result.verdict != Verdict::reachable) ++failures;
    for (const auto& c : row.result.checks) total_ms += c.ms;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"syncpath probe\" tests=\"" << rep.rows.size() << "\" failures=\"" << failures << "\">\n";
  out << "  <testsuite name=\"probe from " << xml_escape(rep.host) << "\" tests=\"" << rep.rows.size() << "\" failures=\""
      << failures << "\" errors=\"0\" time=\"" << std::fixed << std::setprecision(3) << total_ms / 1000 << "\">\n";
  for (const auto& row : rep.rows) {
    double ms = 0;
    std::string log;
    for (const auto& c : row.result.checks) {
      ms += c.ms;
      log += c.check + " " + probes::to_string(c.status) + " " + ms_text(c.ms) + ": " + c.detail + "\n";
    }
    out << "    <testcase classname=\"probe." << xml_escape(rep.resource_group.empty() ? rep.host : rep.resource_group)
        << "\" name=\"" << xml_escape(row.data_source) << "\" time=\"" << ms / 1000 << "\">\n";
    if (row.result.verdict != Verdict::reachable)
      out << "      <failure type=\"" << probes::to_string(row.result.verdict) << "\" message=\""
          << xml_escape(std::string(probes::to_string(row.result.verdict)) + ": " + row.remedy.action + ": " + row.remedy.detail)
          << "\">" << xml_escape(log) << "</failure>\n";
    out << "      <system-out>" << xml_escape(log) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  out.unsetf(std::ios::floatfield);
}

void render_text(std::ostream& out, const Report_& rep, bool quiet, bool color) {
  auto paint = [&](const std::string& s, const char* code) { return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s; };
  int failing = 0;
  for (const auto& row : rep.rows)
    if (row.result.verdict != Verdict::reachable) ++failing;
  if (!quiet)
    out << "probe from " << rep.host << (rep.resource_group.empty() ? "" : " as " + rep.resource_group) << ": "
        << rep.rows.size() << " target" << (rep.rows.size() == 1 ? "" : "s") << "\n";
  for (const auto& row : rep.rows) {
    bool ok = row.result.verdict == Verdict::reachable;
    if (quiet && ok) continue;
    out << "\n" << row.data_source << "  " << row.result.target.host << ":" << row.result.target.port << " ("
        << probes::to_string(row.result.target.protocol) << ")  "
        << paint(probes::to_string(row.result.verdict), ok ? "32" : "31;1") << "\n";
    for (const auto& c : row.result.checks) {
      const char* code = c.status == CheckStatus::pass ? "32" : c.status == CheckStatus::fail ? "31" : "2";
      out << "  " << std::left << std::setw(10) << c.check << paint(probes::to_string(c.status), code)
          << std::string(6 - std::string(probes::to_string(c.status)).size(), ' ') << std::right << std::setw(10)
          << ms_text(c.ms) << "  " << c.detail << "\n";
    }
    if (!row.plan_status.empty()) out << "  plan: " << row.plan_solution << ", " << row.plan_status << "\n";
    for (const auto& n : row.notes) out << "  note: " << n << "\n";
    if (!ok) out << "  fix: " << row.remedy.action << ": " << row.remedy.detail << "\n";
  }
  out << "\n" << (rep.rows.size() - failing) << " reachable, " << failing << " failing\n";
}

// ---------------------------------------------------------------- the command ----

std::string machine_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool parse_host_port(const std::string& text, std::string& host, int& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  std::string p = text.substr(colon + 1);
  if (p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  port = std::stoi(p);
  return port >= 1 && port <= 65535;
}

int bad_input(Context& ctx, const std::string& message) {
  ctx.err << "syncpath probe: " << message << '\n';
  return kBadInput;
}

probes::Options probe_options(const ProbeArgs& a) {
  probes::Options o;
  o.concurrency = a.concurrency;
  o.timeout_seconds = a.timeout;
  o.retries = a.retries;
  o.dns_server = a.dns_server;
  o.verify_tls = !a.insecure;
  return o;
}

int write_report(Context& ctx, const ProbeArgs& a, const Report_& rep) {
  Report report(ctx, a.common);
  if (a.common.format == "json") render_json(report.stream(), rep);
  else if (a.common.format == "junit") render_junit(report.stream(), rep);
  else render_text(report.stream(), rep, a.common.quiet, report.color());
  if (!report.commit()) return kBadInput;
  bool all_ok = std::all_of(rep.rows.begin(), rep.rows.end(), [](const Row& r) { return r.result.verdict == Verdict::reachable; });
  return all_ok ? kOk : kFindings;
}

int run_ad_hoc(Context& ctx, const ProbeArgs& a) {
  auto proto = probes::parse_protocol(a.protocol);
  if (!proto) return bad_input(ctx, "--protocol '" + a.protocol + "': expected tcp, mysql, postgresql, http or https");
  std::string password;
  if (!a.password_env.empty()) {
    const char* pw = std::getenv(a.password_env.c_str());
    if (!pw) return bad_input(ctx, "--password-env " + a.password_env + ": the environment variable is not set");
    password = pw;
  }
  std::vector<std::string> specs = a.targets;
  if (!a.targets_file.empty()) {
    std::ifstream in(a.targets_file);
    if (!in) return bad_input(ctx, "--targets-file " + a.targets_file + ": cannot read the file");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      auto last = line.find_last_not_of(" \t\r");
      std::string spec = line.substr(first, last - first + 1);
      std::string host;
      int port = 0;
      if (!parse_host_port(spec, host, port))
        return bad_input(ctx, a.targets_file + ":" + std::to_string(number) + ": '" + spec + "': expected HOST:PORT, one a line");
      specs.push_back(spec);
    }
  }
  std::vector<probes::Target> targets;
  for (const auto& spec : specs) {
    probes::Target t;
    if (!parse_host_port(spec, t.host, t.port))
      return bad_input(ctx, "--target '" + spec + "': expected HOST:PORT with a port from 1 to 65535, e.g. db.example:3306");
    t.protocol = *proto;
    t.name = spec;
    t.username = a.user;
    t.password = password;
    t.database = a.database;
    t.http_path = a.http_path;
    targets.push_back(std::move(t));
  }
  if (targets.empty()) return bad_input(ctx, "--targets-file " + a.targets_file + ": no targets in the file");
  auto results = probes::run_probes(targets, probe_options(a));
  Report_ rep;
  rep.host = machine_name();
  for (auto& r : results) {
    Row row;
    row.data_source = r.target.name;
    row.result = std::move(r);
    explain_ad_hoc(row);
    rep.rows.push_back(std::move(row));
  }
  return write_report(ctx, a, rep);
}

int run_topology(Context& ctx, const ProbeArgs& a) {
  LoadResult loaded = load_topology_file(a.topology);
  if (!loaded.ok()) {
    loaded.diagnostics.sort();
    for (const auto& d : loaded.diagnostics.items()) render_text(ctx.err, d, &loaded.source_text, false);
    if (loaded.diagnostics.empty()) ctx.err << a.topology << ": error: cannot load the topology\n";
    return kBadInput;
  }
  const Topology& topo = *loaded.topology;
  const ResourceGroup* group = topo.find_group(a.rg);
  if (!group) {
    std::vector<std::string> ids;
    for (const auto& g : topo.resource_groups) ids.push_back(g.id);
    std::string hint = nearest(a.rg, ids);
    std::string all;
    for (const auto& id : ids) all += (all.empty() ? "" : ", ") + id;
    return bad_input(ctx, "--rg '" + a.rg + "': no such resource group in " + a.topology +
                              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; groups: " + all);
  }
  const Host* host = nullptr;
  if (group->kind == GroupKind::custom) {
    if (!a.host.empty()) {
      for (const auto& h : group->hosts)
        if (h.name == a.host) host = &h;
      if (!host) {
        std::string all;
        for (const auto& h : group->hosts) all += (all.empty() ? "" : ", ") + h.name;
        return bad_input(ctx, "--host '" + a.host + "': " + group->id + " has no such host; its hosts: " + all);
      }
    } else if (group->hosts.size() == 1) {
      host = &group->hosts.front();
    } else if (!group->hosts.empty()) {
      return bad_input(ctx, group->id + " has several hosts: say which one this machine is with --host NAME");
    }
  }
  std::vector<const DataSource*> sources;
  for (const auto& name : a.sources) {
    const DataSource* s = topo.find_source(name);
    if (!s) {
      std::vector<std::string> names;
      for (const auto& d : topo.data_sources) names.push_back(d.name);
      std::string hint = nearest(name, names);
      return bad_input(ctx, "--source '" + name + "': no such data source in " + a.topology +
                                (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    sources.push_back(s);
  }
  if (a.sources.empty())
    for (const auto& d : topo.data_sources) sources.push_back(&d);

  std::vector<probes::Target> targets;
  std::vector<PairContext> pairs;
  std::vector<std::unique_ptr<PairPlan>> plans;  // kept alive for the contexts pointing into them
  std::vector<std::string> skipped;
  for (const DataSource* s : sources) {
    if (is_file_based(s->type) || !s->endpoint) {
      skipped.push_back(s->name);
      continue;
    }
    PairContext p{&topo, group, host, s, false, {}};
    // A shared group reaches only the Internet: it uses the public endpoint when there is one.
    p.uses_public_endpoint = group->kind == GroupKind::shared && s->network != kInternet && s->public_endpoint.has_value();
    const Endpoint& ep = p.uses_public_endpoint ? *s->public_endpoint : *s->endpoint;
    p.egress = expected_egress(p);
    if (auto plan = plan_pair(topo, group->id, s->name)) {
      plans.push_back(std::make_unique<PairPlan>(std::move(*plan)));
      const PairPlan& pp = *plans.back();
      p.plan = &pp;
      for (const auto& h : pp.hosts)
        if (host && h.host == host->name) p.plan = &h;
    }
    probes::Target t;
    t.name = s->name;
    t.host = !ep.host.empty() ? ep.host : ep.ip ? ep.ip->str() : std::string();
    if (ep.ip && !ep.host.empty()) t.expected_ip = ep.ip->str();
    t.port = ep.port;
    t.protocol = probes::parse_protocol(std::string(protocol_of(s->type))).value_or(probes::Protocol::tcp);
    t.username = s->username;
    t.database = s->database;
    if (s->password.kind != SecretRef::Kind::none) {
      std::string error;
      auto pw = resolve_secret(s->password, topo.base_dir, error);
      if (pw) t.password = *pw;
      else if (!a.common.quiet) ctx.err << "syncpath probe: " << s->name << ": " << error << "; login not tried\n";
      if (!pw) t.username.clear();  // greeting only: without the password a login proves nothing
    }
    if (t.port <= 0) return bad_input(ctx, s->name + ": the endpoint has no port; add `port:` to its endpoint in " + a.topology);
    targets.push_back(std::move(t));
    pairs.push_back(p);
  }
  if (targets.empty()) return bad_input(ctx, "nothing to probe: no selected data source has a network endpoint");

  auto results = probes::run_probes(targets, probe_options(a));
  Report_ rep;
  rep.resource_group = group->id;
  rep.host = host ? host->name : (!a.host.empty() ? a.host : machine_name());
  for (std::size_t i = 0; i < results.size(); ++i) {
    Row row;
    row.data_source = pairs[i].source->name;
    row.result = std::move(results[i]);
    explain_with_topology(pairs[i], row);
    rep.rows.push_back(std::move(row));
  }
  if (!skipped.empty() && !a.common.quiet && a.common.format == "text") {
    std::string all;
    for (const auto& n : skipped) all += (all.empty() ? "" : ", ") + n;
    ctx.err << "syncpath probe: not probed (file-based, no network endpoint): " << all << '\n';
  }
  return write_report(ctx, a, rep);
}

}  // namespace

void add_probe_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ProbeArgs>();
  auto* sub = app.add_subcommand("probe", "Live checks from this machine: DNS, TCP, protocol handshake, whitelist");
  sub->add_option("topology", args->topology, "Topology file (with --rg)");
  sub->add_option("--rg", args->rg, "The resource group this machine is a host of");
  sub->add_option("--host", args->host, "Which host of a custom group this machine is");
  // One value per flag, so that `--source a TOPOLOGY` does not swallow the positional.
  sub->add_option("--source", args->sources, "Probe only this data source (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--target", args->targets, "Probe the endpoint HOST:PORT instead of a topology (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--targets-file", args->targets_file, "Probe every HOST:PORT listed in FILE, one a line");
  sub->add_option("--protocol", args->protocol, "With --target: tcp, mysql, postgresql, http or https")->default_val("tcp");
  sub->add_option("--user", args->user, "With --target: user for a real login");
  sub->add_option("--password-env", args->password_env, "With --target: environment variable holding the password");
  sub->add_option("--database", args->database, "With --target: database to log in to");
  sub->add_option("--path", args->http_path, "With --target and http/https: the path to request")->default_val("/");
  sub->add_option("--concurrency", args->concurrency, "Targets probed at once")->default_val(64);
  sub->add_option("--timeout", args->timeout, "Seconds each check may take")->default_val(3.0);
  sub->add_option("--retries", args->retries, "Extra attempts for a check that timed out")->default_val(0);
  sub->add_option("--dns-server", args->dns_server, "Ask this DNS server (IP or IP:PORT) instead of the system's");
  sub->add_flag("--insecure", args->insecure, "https: do not verify the certificate");
  add_common_options(*sub, args->common, {"text", "json", "junit"});
  sub->callback([&ctx, args] {
    const ProbeArgs& a = *args;
    bool ad_hoc = !a.targets.empty() || !a.targets_file.empty();
    if (ad_hoc == !a.topology.empty()) {
      ctx.exit_code = bad_input(ctx, "give either a TOPOLOGY file with --rg ID, or --target HOST:PORT");
      return;
    }
    if (!a.topology.empty() && a.rg.empty()) {
      ctx.exit_code = bad_input(ctx, "--rg ID is required with a topology: which resource group is this machine a host of?");
      return;
    }
    if (ad_hoc && (!a.rg.empty() || !a.sources.empty())) {
      ctx.exit_code = bad_input(ctx, "--rg and --source need a topology file; --target probes one endpoint on its own");
      return;
    }
    if (auto problem = probes::check_options(probe_options(a)); !problem.empty()) {
      ctx.exit_code = bad_input(ctx, problem);
      return;
    }
    ctx.exit_code = ad_hoc ? run_ad_hoc(ctx, a) : run_topology(ctx, a);
  });
}

}  // namespace syncpath::cli
