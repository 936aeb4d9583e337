#include "diagnosis.hpp"

#include <algorithm>
#include <fstream>
#include <unordered_map>

namespace syncpath::diagnosis {

namespace {

using probes::CheckResult;
using probes::CheckStatus;
using probes::Verdict;

const std::string kMismatch = "the topology file does not match the real network";

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

void problem(ProbeReport& report, const std::string& file, std::string code, std::string message) {
  Diagnostic d;
  d.pos = {file, 0, 0};
  d.code = std::move(code);
  d.message = std::move(message);
  report.diagnostics.add(std::move(d));
}

// The planned way to the source this probe follows: the pair's judgement (a custom group's
// host's own), or its Internet alternative when the plan reaches the source only that way.
struct Planned {
  PairStatus status = PairStatus::ready;
  std::string solution;
  const std::vector<PlanStep>* steps = nullptr;
  EgressKind egress_kind = EgressKind::none;
  std::optional<Cidr> egress;
  bool internet = false;
};

Planned planned(const ProbePlan::Pair& p) {
  Planned out;
  if (p.uses_public_endpoint && !p.plan.alternatives.empty()) {
    const Alternative& a = p.plan.alternatives.front();
    out = {a.status, a.solution, &a.steps, a.egress_kind, a.egress, true};
    return out;
  }
  const Judgement* j = &p.plan;
  for (const auto& h : p.plan.hosts)
    if (p.host && h.host == p.host->name) j = &h;
  out = {j->status, j->solution, &j->steps, j->egress_kind, j->egress, j->relation == "internet"};
  return out;
}

// The group's egress in words, for notes and remedies ("host etl-1 address 10.231.1.2").
std::string describe_egress(const ProbePlan::Pair& p, const Planned& pl) {
  if (!pl.egress) return {};
  auto step_field = [&](StepAction a, std::string PlanStep::*field) {
    for (const auto& st : *pl.steps)
      if (st.action == a && !(st.*field).empty()) return st.*field;
    return std::string();
  };
  const std::string cidr = pl.egress->str();
  const std::string address = pl.egress->network().str();
  switch (pl.egress_kind) {
    case EgressKind::vswitch_cidr: {
      std::string vsw = step_field(StepAction::attach_vpc, &PlanStep::vswitch);
      return (vsw.empty() ? std::string("the vSwitch CIDR ") : "vSwitch " + vsw + " ") + cidr;
    }
    case EgressKind::eip: return "the group's EIP " + address;
    case EgressKind::snat_eip: {
      std::string net = step_field(StepAction::add_nat_gateway, &PlanStep::network);
      return "the SNAT EIP " + address + (net.empty() ? std::string() : " of " + net);
    }
    case EgressKind::host_ip: return "host " + (p.host ? p.host->name : std::string("?")) + " address " + address;
    case EgressKind::host_public_ip:
      return "host " + (p.host ? p.host->name : std::string("?")) + " public address " + address;
    case EgressKind::shared_region:
    case EgressKind::none: break;
  }
  return cidr;
}

// What the topology's whitelist of `s` says of `seen`, in words.
std::string whitelist_words(const DataSource& s, const Cidr& seen, const WhitelistCheck& c) {
  if (s.whitelist_any) return "the topology says " + s.name + " admits every address (`whitelist: any`)";
  switch (c.verdict) {
    case WhitelistVerdict::not_modelled: return "the topology does not say whether " + s.name + " has a whitelist";
    case WhitelistVerdict::admits:
    case WhitelistVerdict::refuses: break;
  }
  std::string list;
  if (s.whitelist)
    for (const auto& e : *s.whitelist) list += (list.empty() ? "" : ", ") + e.str();
  else
    list = default_whitelist_entry().str() + " (the instance's default)";
  return "the topology's whitelist [" + list + "] " +
         (c.verdict == WhitelistVerdict::admits ? "covers " : "does not cover ") + seen.str();
}

bool is_network_step(StepAction a) {
  return a != StepAction::add_whitelist && a != StepAction::upgrade_edition && a != StepAction::use_exclusive_group;
}

// The whitelist check and the remedy for one probed source.
void explain(const ProbePlan::Pair& p, Row& row) {
  auto& r = row.result;
  const auto& s = *p.source;
  const Planned pl = planned(p);
  const std::string described = describe_egress(p, pl);
  const std::string machine = p.host ? p.host->name : "a host of " + p.group->id;
  row.resource_group = p.group->id;
  row.role = p.role;
  row.plan_status = std::string(status_name(pl.status));
  row.plan_solution = pl.solution;

  CheckResult wl{"whitelist", CheckStatus::skip, 0.0, ""};
  std::vector<std::string> warnings;
  std::optional<Ipv4> local = Ipv4::parse(r.local_address);
  const bool handshake_rejected = r.verdict == Verdict::rejected_by_whitelist;
  const std::optional<Cidr>& egress = pl.egress;

  if (!local) {
    wl.detail = "not run: no connection was made";
  } else {
    std::string d = "left from " + r.local_address;
    if (!pl.internet && egress) {
      if (egress->contains(*local))
        d += ", inside the expected egress " + described;
      else
        warnings.push_back("the connection left from " + r.local_address + ", not from the expected egress " + described +
                           ": NAT on the way, or this machine is not " + machine);
    } else if (pl.internet && egress) {
      d += "; on the Internet path the source sees " + described;
    } else {
      d += "; the topology gives no egress address for " + p.group->id;
    }
    // What the topology's whitelist says of the address the source will see (the planner's
    // reading of it: an absent list is the rds/polardb default, or not modelled).
    std::optional<Cidr> seen = egress;
    if (!pl.internet && !seen) seen = Cidr::host(*local);
    std::optional<WhitelistCheck> check;
    if (seen) {
      check = check_whitelist(s, *seen);
      d += "; " + whitelist_words(s, *seen, *check);
    }
    const bool known = check && check->verdict != WhitelistVerdict::not_modelled;
    const bool listed = check && check->verdict == WhitelistVerdict::admits;
    const bool spoke_handshake =
        r.target.protocol == probes::Protocol::mysql || r.target.protocol == probes::Protocol::postgresql;
    if (handshake_rejected) {
      wl.status = CheckStatus::fail;
      d = "the server rejected the client address; " + d;
      // Only when the connection left from where the plan expects does the rejection say the
      // real whitelist differs; from elsewhere, the server judged another address.
      bool from_expected = !egress || pl.internet || egress->contains(*local);
      if (known && listed && from_expected)
        warnings.push_back(kMismatch + ": the topology's whitelist allows this group, the server does not");
    } else if (known && !listed && r.verdict == Verdict::reachable) {
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
  if (!p.login_note.empty()) row.notes.push_back(p.login_note);

  // A DNS warning (an unexpected answer) is a note too.
  for (const auto& c : r.checks)
    if (c.check == "dns" && c.detail.find("warning:") != std::string::npos)
      row.notes.push_back(c.detail.substr(c.detail.find("warning:") + 9));

  // The steps the plan still owes: the network path's, and its whitelist step.
  std::vector<Remedy> path_steps;
  std::optional<Remedy> plan_whitelist;
  for (const auto& st : *pl.steps) {
    if (st.done) continue;
    if (st.action == StepAction::add_whitelist) {
      if (!plan_whitelist) plan_whitelist = Remedy{std::string(to_string(st.action)), st.detail};
    } else if (is_network_step(st.action)) {
      path_steps.push_back({std::string(to_string(st.action)), st.detail});
    }
  }
  const bool plan_ready = pl.status == PairStatus::ready;
  // Credentials are not part of the network: a wrong password says nothing about the topology.
  if (plan_ready && r.verdict != Verdict::reachable && r.verdict != Verdict::auth_failed)
    row.notes.push_back("the plan says " + p.group->id + " -> " + s.name + " is ready, but the probe found " +
                        probes::to_string(r.verdict) + ": " + kMismatch);

  switch (r.verdict) {
    case Verdict::reachable: {
      row.remedy = {"none", "nothing to fix"};
      std::string owed;
      for (const auto& st : path_steps) owed += (owed.empty() ? "" : "; ") + st.action + ": " + st.detail;
      if (!path_steps.empty())
        row.notes.push_back("the plan says this pair needs changes (" + owed + "), yet the probe got through: " + kMismatch);
      break;
    }
    case Verdict::dns_failure: {
      const auto& ep = p.uses_public_endpoint ? s.public_endpoint : s.endpoint;
      row.remedy = {"fix_dns", "make " + r.target.host +
                                   " resolve on this host (the DNS zone it uses, a private zone, or /etc/hosts)" +
                                   (ep && ep->ip ? "; the topology says it is " + ep->ip->str() : std::string())};
      break;
    }
    case Verdict::no_route_or_filtered:
      if (!path_steps.empty()) {
        row.remedy = path_steps.front();
      } else {
        row.remedy = {"check_network", kMismatch +
                                           ": the topology has every link, route and rule for this path, but no answer "
                                           "came; check the real route tables, firewalls and ACLs between " +
                                           (described.empty() ? std::string("this host") : described) + " and " +
                                           r.address};
      }
      for (std::size_t i = 1; i < path_steps.size(); ++i)
        row.remedy.detail += (i == 1 ? "; then " : "; ") + path_steps[i].action + ": " + path_steps[i].detail;
      break;
    case Verdict::refused:
      row.remedy = {"check_endpoint", "the address answered on " + r.address +
                                          " but refused the session: check the endpoint's port in the topology, that "
                                          "the service listens on that address, and firewall reject rules"};
      break;
    case Verdict::rejected_by_whitelist: {
      std::string cidr = egress ? egress->str() : (local ? Cidr::host(*local).str() : std::string("this host's address"));
      row.remedy = {"add_whitelist", "add " + cidr + " to " + s.name + "'s whitelist" +
                                         (s.instance_id.empty() ? "" : " (instance " + s.instance_id + ")") +
                                         (egress ? " (" + described + ")" : std::string(" (the address the connection left from)"))};
      if (plan_whitelist) row.remedy.detail += "; the plan owes this step too: " + plan_whitelist->detail;
      if (local && egress && !pl.internet && !egress->contains(*local))
        row.remedy.detail += "; the connection left from " + r.local_address +
                             ", outside that CIDR: NAT or the wrong host, so the server sees another address";
      break;
    }
    case Verdict::auth_failed: {
      std::string where;
      if (s.password.kind == SecretRef::Kind::env) where = " (password from environment variable " + s.password.value + ")";
      else if (s.password.kind == SecretRef::Kind::file) where = " (password from file " + s.password.value + ")";
      row.remedy = {"fix_credentials",
                    "the host is allowed and the server checked the login: fix user '" + s.username + "'" + where};
      break;
    }
    case Verdict::tls_failure:
      row.remedy = {"fix_tls", "TLS with " + r.target.host +
                                   " failed: the certificate is not trusted for that name, or the port does not speak TLS"};
      break;
    case Verdict::timeout:
      row.remedy = {"check_service",
                    "the port accepts connections but the service did not answer in time: it is hung or overloaded, or "
                    "it is not " +
                        std::string(probes::to_string(r.target.protocol))};
      break;
  }
}

// HOST:PORT with a port in 1..65535; an IPv6 literal is refused with its own message.
bool parse_host_port(const std::string& text, std::string& host, int& port, std::string& why) {
  if (!text.empty() && (text.front() == '[' || std::count(text.begin(), text.end(), ':') > 1)) {
    why = "is an IPv6 address; the prober speaks IPv4 only: give an IPv4 address or a DNS name";
    return false;
  }
  why = "expected HOST:PORT with a port from 1 to 65535, e.g. db.example:3306";
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  std::string p = text.substr(colon + 1);
  if (p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  port = std::stoi(p);
  return port >= 1 && port <= 65535;
}

}  // namespace

ProbePlan plan_probes(const Topology& topo, const Rules& rules, const ProbeSelection& sel, ProbeReport& report) {
  ProbePlan out;
  const std::string& file = topo.file;
  // The groups this machine stands for, each with its role in the task (if any).
  std::vector<std::pair<const ResourceGroup*, std::string>> groups;
  std::vector<std::string> source_names = sel.sources;
  const Task* task = nullptr;
  if (!sel.task.empty()) {
    task = topo.find_task(sel.task);
    if (!task) {
      std::vector<std::string> names;
      for (const auto& t : topo.tasks) names.push_back(t.name);
      std::string hint = nearest(sel.task, names);
      problem(report, file, "unknown-task",
              "--task " + quote(sel.task) + ": no such task in " + file +
                  (hint.empty() ? "" : " (did you mean " + quote(hint) + "?)") +
                  (names.empty() ? "; the topology lists no `tasks:`" : "; tasks: " + join(names)));
      return out;
    }
    report.task = task->name;
    if (source_names.empty()) source_names = {task->source, task->destination};
  }
  std::vector<std::string> ids;
  for (const auto& g : topo.resource_groups) ids.push_back(g.id);
  if (!sel.group.empty()) {
    const ResourceGroup* g = topo.find_group(sel.group);
    if (!g) {
      std::string hint = nearest(sel.group, ids);
      problem(report, file, "unknown-resource-group",
              "--rg " + quote(sel.group) + ": no such resource group in " + file +
                  (hint.empty() ? "" : " (did you mean " + quote(hint) + "?)") + "; groups: " + join(ids));
      return out;
    }
    std::string role;
    if (task) {
      if (g->id == task->integration_group) role = "data_integration";
      else if (g->id == task->scheduling_group) role = "scheduling";
      else {
        problem(report, file, "group-not-in-task",
                "--rg " + quote(g->id) + ": task " + quote(task->name) + " is run by " + quote(task->integration_group) +
                    " and issued by " + quote(task->scheduling_group) + "; probe as one of them");
        return out;
      }
    }
    groups.emplace_back(g, role);
  } else if (task) {
    groups.emplace_back(topo.find_group(task->integration_group), "data_integration");
    if (task->scheduling_group != task->integration_group)
      groups.emplace_back(topo.find_group(task->scheduling_group), "scheduling");
  }
  if (groups.size() == 1) report.resource_group = groups.front().first->id;

  // The host of each custom group this machine is.
  // (--host names a host of one of them; a group with one host needs no --host.)
  std::vector<const Host*> hosts;
  for (const auto& [g, role] : groups) {
    const Host* host = nullptr;
    if (g->kind == GroupKind::custom) {
      for (const auto& h : g->hosts)
        if (h.name == sel.host) host = &h;
      if (!host && g->hosts.size() == 1) host = &g->hosts.front();
      std::vector<std::string> names;
      for (const auto& h : g->hosts) names.push_back(h.name);
      if (!host && !sel.host.empty()) {
        problem(report, file, "unknown-host",
                "--host " + quote(sel.host) + ": " + g->id + " has no such host; its hosts: " + join(names));
        return out;
      }
      if (!host && g->hosts.size() > 1) {
        problem(report, file, "host-needed",
                g->id + " has several hosts (" + join(names) + "): say which one this machine is with --host NAME");
        return out;
      }
    }
    hosts.push_back(host);
  }
  report.host = !sel.host.empty() ? sel.host : "";
  for (const Host* h : hosts)
    if (h && report.host.empty()) report.host = h->name;

  std::vector<const DataSource*> sources;
  for (const auto& name : source_names) {
    const DataSource* s = topo.find_source(name);
    if (!s) {
      std::vector<std::string> names;
      for (const auto& d : topo.data_sources) names.push_back(d.name);
      std::string hint = nearest(name, names);
      problem(report, file, "unknown-source",
              "--source " + quote(name) + ": no such data source in " + file +
                  (hint.empty() ? "" : " (did you mean " + quote(hint) + "?)"));
      return out;
    }
    if (std::find(sources.begin(), sources.end(), s) == sources.end()) sources.push_back(s);
  }
  if (source_names.empty())
    for (const auto& d : topo.data_sources) sources.push_back(&d);

  PlanFilter filter;
  for (const auto& [g, role] : groups) filter.groups.push_back(g->id);
  for (const DataSource* s : sources) filter.sources.push_back(s->name);
  std::vector<PairPlan> plans = plan_all(topo, rules, filter);
  std::unordered_map<std::string, std::size_t> plan_of;  // "group\nsource" -> index in plans
  for (std::size_t i = 0; i < plans.size(); ++i) plan_of.emplace(plans[i].resource_group + '\n' + plans[i].data_source, i);
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& [group, role] = groups[gi];
    for (const DataSource* s : sources) {
      if (is_file_based(s->type) || !s->endpoint) {
        if (gi == 0) report.skipped.push_back(s->name);
        continue;
      }
      ProbePlan::Pair p;
      p.group = group;
      p.host = hosts[gi];
      p.source = s;
      p.role = role;
      if (auto it = plan_of.find(group->id + '\n' + s->name); it != plan_of.end()) p.plan = plans[it->second];
      // The plan reaches a source it cannot serve privately over the source's public endpoint.
      p.uses_public_endpoint = s->network != kInternet && s->public_endpoint.has_value() &&
                               p.plan.status == PairStatus::unsupported && !p.plan.alternatives.empty();
      const Endpoint& ep = p.uses_public_endpoint ? *s->public_endpoint : *s->endpoint;
      if (ep.port <= 0) {
        problem(report, file, "no-port", s->name + ": the endpoint has no port; add `port:` to its endpoint in " + file);
        out = {};
        return out;
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
        if (pw) {
          t.password = *pw;
        } else {
          t.username.clear();  // greeting only: without the password a login proves nothing
          p.login_note = error + "; login not tried";
          if (gi == 0) report.warnings.push_back(s->name + ": " + p.login_note);
        }
      }
      out.targets.push_back(std::move(t));
      out.pairs.push_back(std::move(p));
    }
  }
  if (out.targets.empty())
    problem(report, file, "nothing-to-probe", "nothing to probe: no selected data source has a network endpoint");
  return out;
}

void diagnose(const ProbePlan& plan, std::vector<probes::TargetResult> results, ProbeReport& report) {
  for (std::size_t i = 0; i < results.size() && i < plan.pairs.size(); ++i) {
    Row row;
    row.data_source = plan.pairs[i].source->name;
    row.result = std::move(results[i]);
    explain(plan.pairs[i], row);
    report.rows.push_back(std::move(row));
  }
}

std::vector<probes::Target> ad_hoc_targets(const std::vector<std::string>& specs, const std::string& targets_file,
                                           ProbeReport& report) {
  std::vector<std::pair<std::string, SourcePos>> all;
  for (const auto& spec : specs) all.emplace_back(spec, SourcePos{"", 0, 0});
  if (!targets_file.empty()) {
    std::ifstream in(targets_file);
    if (!in) {
      problem(report, targets_file, "not-readable", "--targets-file: cannot read the file");
      return {};
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      auto last = line.find_last_not_of(" \t\r");
      all.emplace_back(line.substr(first, last - first + 1), SourcePos{targets_file, number, static_cast<int>(first) + 1});
    }
  }
  std::vector<probes::Target> targets;
  for (const auto& [spec, pos] : all) {
    probes::Target t;
    std::string why;
    if (!parse_host_port(spec, t.host, t.port, why)) {
      Diagnostic d;
      d.pos = pos;
      d.code = why.find("IPv6") != std::string::npos ? "ipv6-target" : "bad-target";
      d.message = (pos.file.empty() ? "--target " : "") + quote(spec) + ": " + why;
      report.diagnostics.add(std::move(d));
      continue;
    }
    t.name = spec;
    targets.push_back(std::move(t));
  }
  if (targets.empty() && !report.diagnostics.has_errors())
    problem(report, targets_file, "nothing-to-probe", "--targets-file " + targets_file + ": no targets in the file");
  if (report.diagnostics.has_errors()) targets.clear();
  return targets;
}

void diagnose_ad_hoc(std::vector<probes::TargetResult> results, ProbeReport& report) {
  for (auto& result : results) {
    Row row;
    row.data_source = result.target.name;
    row.result = std::move(result);
    auto& r = row.result;
    r.checks.push_back({"whitelist", CheckStatus::skip, 0.0,
                        r.local_address.empty() ? "not run: no connection was made"
                                                : "left from " + r.local_address + "; no topology to compare with"});
    switch (r.verdict) {
      case Verdict::reachable: row.remedy = {"none", "nothing to fix"}; break;
      case Verdict::dns_failure: row.remedy = {"fix_dns", "make " + r.target.host + " resolve on this host"}; break;
      case Verdict::no_route_or_filtered:
        row.remedy = {"check_network", "no answer from " + r.address +
                                           ": check routes, links and firewalls between this host and it (give a "
                                           "topology to get the exact step)"};
        break;
      case Verdict::refused: row.remedy = {"check_endpoint", "nothing accepts on " + r.address + ", or a firewall rejects"}; break;
      case Verdict::rejected_by_whitelist:
        row.remedy = {"add_whitelist",
                      "add " + (r.local_address.empty() ? std::string("this host's address") : r.local_address + "/32") +
                          " (the address the connection left from; behind NAT, the NAT's address) to the whitelist"};
        break;
      case Verdict::auth_failed: row.remedy = {"fix_credentials", "the host is allowed; fix the user or password"}; break;
      case Verdict::tls_failure: row.remedy = {"fix_tls", "the certificate is not trusted, or the port does not speak TLS"}; break;
      case Verdict::timeout:
        row.remedy = {"check_service", "the port accepts connections but the service did not answer in time"};
        break;
    }
    report.rows.push_back(std::move(row));
  }
}

ProbeSummary summarize(const ProbeReport& report) {
  ProbeSummary s;
  s.targets = report.rows.size();
  for (int v = 0; v <= static_cast<int>(Verdict::timeout); ++v) s.verdicts.emplace_back(static_cast<Verdict>(v), 0);
  for (const auto& row : report.rows) {
    ++s.verdicts[static_cast<std::size_t>(row.result.verdict)].second;
    if (row.result.verdict == Verdict::reachable) ++s.reachable;
  }
  s.failing = s.targets - s.reachable;
  return s;
}

}  // namespace syncpath::diagnosis
