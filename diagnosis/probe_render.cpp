#include "probe_render.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

namespace syncpath::diagnosis {

namespace {

using probes::CheckStatus;
using probes::Verdict;

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
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

// "5 reachable, 12 failing (3 refused, 2 timeout)"
std::string summary_words(const ProbeSummary& s) {
  std::string out = std::to_string(s.reachable) + " reachable, " + std::to_string(s.failing) + " failing";
  std::string by;
  for (const auto& [verdict, n] : s.verdicts)
    if (n && verdict != Verdict::reachable) by += (by.empty() ? "" : ", ") + std::to_string(n) + " " + probes::to_string(verdict);
  return by.empty() ? out : out + " (" + by + ")";
}

}  // namespace

void render_probe_json(std::ostream& out, const ProbeReport& rep) {
  // Details quote what servers sent, which need not be UTF-8: replace such bytes, never throw.
  constexpr auto replace = nlohmann::ordered_json::error_handler_t::replace;
  nlohmann::ordered_json diagnostics = nlohmann::ordered_json::parse(json_diagnostics(rep.diagnostics));
  if (rep.diagnostics.has_errors()) {
    nlohmann::ordered_json doc = {{"schema_version", kProbeSchemaVersion}, {"diagnostics", diagnostics}};
    out << doc.dump(2, ' ', false, replace) << '\n';
    return;
  }
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& row : rep.rows) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& c : row.result.checks)
      checks.push_back({{"check", c.check},
                        {"status", probes::to_string(c.status)},
                        {"ms", std::round(c.ms * 10) / 10},
                        {"detail", c.detail}});
    nlohmann::ordered_json item = {{"data_source", row.data_source}};
    if (!row.resource_group.empty()) item["resource_group"] = row.resource_group;
    if (!row.role.empty()) item["role"] = row.role;
    item["target"] = row.result.target.host + ":" + std::to_string(row.result.target.port);
    item["protocol"] = probes::to_string(row.result.target.protocol);
    item["address"] = row.result.address;
    item["local_address"] = row.result.local_address;
    item["checks"] = checks;
    item["verdict"] = probes::to_string(row.result.verdict);
    item["remedy"] = {{"action", row.remedy.action}, {"detail", row.remedy.detail}};
    item["notes"] = row.notes;
    if (!row.plan_status.empty()) item["plan"] = {{"status", row.plan_status}, {"solution", row.plan_solution}};
    results.push_back(item);
  }
  const ProbeSummary s = summarize(rep);
  nlohmann::ordered_json verdicts = nlohmann::ordered_json::object();
  for (const auto& [verdict, n] : s.verdicts) verdicts[probes::to_string(verdict)] = n;
  nlohmann::ordered_json doc = {{"schema_version", kProbeSchemaVersion}, {"host", rep.host}};
  if (!rep.resource_group.empty()) doc["resource_group"] = rep.resource_group;
  if (!rep.task.empty()) doc["task"] = rep.task;
  doc["diagnostics"] = diagnostics;
  doc["results"] = results;
  doc["not_probed"] = rep.skipped;
  doc["summary"] = {{"targets", s.targets}, {"reachable", s.reachable}, {"failing", s.failing}, {"verdicts", verdicts}};
  out << doc.dump(2, ' ', false, replace) << '\n';
}

void render_probe_junit(std::ostream& out, const ProbeReport& rep) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (rep.diagnostics.has_errors()) {
    const auto& items = rep.diagnostics.items();
    out << "<testsuites name=\"syncpath probe\" tests=\"" << items.size() << "\" failures=\"0\" errors=\"" << items.size()
        << "\">\n  <testsuite name=\"probe input\" tests=\"" << items.size() << "\" failures=\"0\" errors=\""
        << items.size() << "\">\n";
    for (const auto& d : items) {
      std::string where = d.pos.file.empty() ? std::string("command line") : d.pos.file;
      if (d.pos.line > 0) where += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
      out << "    <testcase classname=\"probe.input\" name=\"" << xml_escape(d.code) << "\">\n      <error type=\""
          << xml_escape(d.code) << "\" message=\"" << xml_escape(where + ": " + d.message) << "\"/>\n    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return;
  }
  const ProbeSummary s = summarize(rep);
  double total_ms = 0;
  for (const auto& row : rep.rows)
    for (const auto& c : row.result.checks) total_ms += c.ms;
  out << "<testsuites name=\"syncpath probe\" tests=\"" << s.targets << "\" failures=\"" << s.failing << "\">\n";
  out << "  <testsuite name=\"probe from " << xml_escape(rep.host) << "\" tests=\"" << s.targets << "\" failures=\""
      << s.failing << "\" errors=\"0\" time=\"" << std::fixed << std::setprecision(3) << total_ms / 1000 << "\">\n";
  for (const auto& row : rep.rows) {
    double ms = 0;
    std::string log;
    for (const auto& c : row.result.checks) {
      ms += c.ms;
      log += c.check + " " + probes::to_string(c.status) + " " + ms_text(c.ms) + ": " + c.detail + "\n";
    }
    std::string group = row.resource_group.empty() ? (rep.resource_group.empty() ? rep.host : rep.resource_group)
                                                   : row.resource_group;
    out << "    <testcase classname=\"probe." << xml_escape(group) << "\" name=\"" << xml_escape(row.data_source)
        << "\" time=\"" << ms / 1000 << "\">\n";
    if (row.result.verdict != Verdict::reachable)
      out << "      <failure type=\"" << probes::to_string(row.result.verdict) << "\" message=\""
          << xml_escape(std::string(probes::to_string(row.result.verdict)) + ": " + row.remedy.action + ": " +
                        row.remedy.detail)
          << "\">" << xml_escape(log) << "</failure>\n";
    out << "      <system-out>" << xml_escape(log) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  out.unsetf(std::ios::floatfield);
}

void render_probe_text(std::ostream& out, const ProbeReport& rep, bool quiet, bool color) {
  auto paint = [&](const std::string& s, const char* code) {
    return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  const ProbeSummary s = summarize(rep);
  if (!quiet)
    out << "probe from " << rep.host << (rep.resource_group.empty() ? "" : " as " + rep.resource_group)
        << (rep.task.empty() ? "" : " for task " + rep.task) << ": " << s.targets << " target"
        << (s.targets == 1 ? "" : "s") << "\n";
  for (const auto& row : rep.rows) {
    bool ok = row.result.verdict == Verdict::reachable;
    if (quiet && ok) continue;
    out << "\n" << row.data_source << "  " << row.result.target.host << ":" << row.result.target.port << " ("
        << probes::to_string(row.result.target.protocol) << ")  "
        << paint(probes::to_string(row.result.verdict), ok ? "32" : "31;1");
    if (!row.role.empty())
      out << "  as " << row.resource_group << (row.role == "scheduling" ? " (issues the task)" : " (runs the task)");
    out << "\n";
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
  out << "\n" << s.targets << " target" << (s.targets == 1 ? "" : "s") << ": " << summary_words(s) << "\n";
}

}  // namespace syncpath::diagnosis
