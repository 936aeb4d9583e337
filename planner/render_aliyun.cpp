// `plan --format aliyun`: every to-do step as aliyun CLI calls, a bash script in the order the
// steps are applied. Ids created by an earlier call are kept in shell variables; values no API
// can say (a VPN device's public IP) are variables the script asks for before it runs anything.
#include <ostream>
#include <set>

#include "remediation.hpp"
#include "render_code.hpp"

namespace syncpath {

namespace {

class AliyunRenderer : public PlanRenderer {
 public:
  AliyunRenderer(std::ostream& out, const Topology& t, const CloudRefs* refs) : out_(out), t_(t), l_(t, refs) {}

  void pair(const PairPlan& p) override { todo_.add(p); }

  void end() override {
    std::string body;
    std::set<std::string> assigned, asked;
    std::vector<std::string> inputs;
    std::size_t calls = 0;
    for (const TodoStep* t : todo_.ordered()) {
      CliCalls c = aliyun_calls(*t, l_);
      body += "\n# " + std::string(to_string(t->step.action)) + ": " + t->step.detail + "\n#   unblocks: ";
      for (std::size_t i = 0; i < t->pairs.size(); ++i) body += (i ? ", " : "") + t->pairs[i];
      body += "\n";
      for (const auto& n : c.notes) body += "# (" + n + ")\n";
      for (const auto& in : c.inputs) {
        std::string name = in.substr(0, in.find('='));
        if (!assigned.count(name) && asked.insert(name).second) inputs.push_back(in);
      }
      for (const auto& line : c.lines) {
        body += line + "\n";
        ++calls;
        if (auto eq = line.find("=$("); eq != std::string::npos && line.find(' ') > eq) assigned.insert(line.substr(0, eq));
      }
    }
    auto counts = todo_.counts();
    out_ << "#!/usr/bin/env bash\n"
         << "# Written by `syncpath plan --format aliyun` for workspace " << t_.workspace.name << ": " << counts.total()
         << (counts.total() == 1 ? " pair, " : " pairs, ") << counts.ready << " ready, " << counts.needs_changes
         << (counts.needs_changes == 1 ? " needs" : " need") << " changes, " << counts.unsupported << " unsupported.\n"
         << "# " << calls << (calls == 1 ? " aliyun CLI call" : " aliyun CLI calls")
         << ", in the order to run them (needs the aliyun CLI, configured, and jq).\n"
         << "set -euo pipefail\n";
    if (!inputs.empty()) {
      out_ << "\n# What no API says: set these before running the script.\n";
      for (const auto& in : inputs) {
        std::string name = in.substr(0, in.find('=')), what = in.substr(in.find('=') + 1);
        out_ << ": \"${" << name << ":?set " << name << " to " << shell_safe(what) << "}\"\n";
      }
    }
    if (calls == 0 && body.empty()) out_ << "\n# Nothing to do.\n";
    out_ << body;
  }

 private:
  // Text inside a double-quoted ${VAR:?message}: no quote of either kind, dollar, backquote or backslash.
  static std::string shell_safe(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '"' || c == '\'' || c == '$' || c == '`' || c == '\\' || c == '}') ? '_' : c;
    return out;
  }

  std::ostream& out_;
  const Topology& t_;
  CloudLookup l_;
  TodoSteps todo_;
};

}  // namespace

std::unique_ptr<PlanRenderer> make_aliyun_renderer(std::ostream& out, const Topology& topology, const CloudRefs* refs) {
  return std::make_unique<AliyunRenderer>(out, topology, refs);
}

}  // namespace syncpath
