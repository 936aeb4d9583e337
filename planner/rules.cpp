#include "rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "notes.hpp"

namespace syncpath {

// Defined in the file generated at build time from rules/*.yaml (see planner/CMakeLists.txt).
const std::vector<std::pair<std::string, std::string>>& compiled_rule_files();

const std::vector<std::string>& known_relations() {
  static const std::vector<std::string> r{"internet",         "same_network",      "vpc_same_region",
                                          "vpc_cross_region", "vpc_cross_account", "data_center",
                                          "classic",          "local"};
  return r;
}

const std::vector<std::string>& known_steps() {
  static const std::vector<std::string> s{"attach_vpc",     "create_link",      "add_network_route",
                                          "add_rg_route",   "add_whitelist",    "add_nat_gateway",
                                          "add_security_group_rule", "migrate_to_vpc"};
  return s;
}

const std::vector<std::string>& reason_placeholders() {
  static const std::vector<std::string> p{"group",   "kind",    "source", "network", "public_endpoint",
                                          "edition", "workspace_edition"};
  return p;
}

namespace {

const std::vector<std::string>& egress_names() {
  static const std::vector<std::string> e{"vswitch_cidr",   "eip",           "snat_eip", "host_ip",
                                          "host_public_ip", "shared_region", "none"};
  return e;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Reads one rule file into `rules`, reporting every problem it can find.
class FileReader {
 public:
  FileReader(std::string file, Rules& rules, Diagnostics& diags, std::set<std::string>& seen_top)
      : file_(std::move(file)), rules_(rules), diags_(diags), seen_top_(seen_top) {}

  void read(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      diags_.error({file_, e.mark.line + 1, e.mark.column + 1}, "yaml-syntax",
                   "the rule file is not valid YAML: " + e.msg);
      return;
    }
    if (!root.IsMap()) {
      diags_.error(pos(root), "rules-not-a-map",
                   "a rule file must be a mapping with `version` and `solutions`, `requirements`, "
                   "`standby` or `alternatives`");
      return;
    }
    static const std::vector<std::string> top{"version", "solutions", "requirements", "standby",
                                              "alternatives"};
    check_keys(root, top, "at the top of the rule file");
    if (!root["version"]) {
      diags_.error(pos(root), "missing-key", "the rule file needs `version: 1`");
    } else if (scalar(root["version"]) != "1") {
      diags_.error(pos(root["version"]), "bad-version",
                   "rule file version must be 1, found `" + scalar(root["version"]) + "`");
    }
    if (auto n = root["solutions"]) read_solutions(n);
    if (auto n = root["requirements"]) read_requirements(n);
    if (auto n = root["standby"]) once("standby", n) && (read_standby(n), true);
    if (auto n = root["alternatives"]) once("alternatives", n) && (read_alternatives(n), true);
  }

 private:
  SourcePos pos(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};  // yaml-cpp marks are 0-based
  }

  static std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

  bool once(const std::string& key, const YAML::Node& n) {
    if (!seen_top_.insert(key).second) {
      diags_.error(pos(n), "duplicate-section",
                   "`" + key + "` is already given in another rule file; keep one");
      return false;
    }
    return true;
  }

  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
    for (const auto& kv : map) {
      std::string key = scalar(kv.first);
      if (contains(allowed, key)) continue;
      std::string hint = nearest(key, allowed);
      diags_.error(pos(kv.first), "unknown-key",
                   "unknown key `" + key + "` " + where +
                       (hint.empty() ? "; expected one of " + join(allowed) : "; did you mean `" + hint + "`?"));
    }
  }

  // A list of words each from `allowed`; a single scalar is taken as a one-item list.
  std::vector<std::string> words(const YAML::Node& n, const std::vector<std::string>& allowed,
                                 const std::string& what, const std::string& code) {
    std::vector<std::string> out;
    auto take = [&](const YAML::Node& item) {
      std::string w = scalar(item);
      if (!item.IsScalar() || w.empty()) {
        diags_.error(pos(item), "bad-value", "expected a " + what + " name");
        return;
      }
      if (!allowed.empty() && !contains(allowed, w)) {
        std::string hint = nearest(w, allowed);
        diags_.error(pos(item), code,
                     "unknown " + what + " `" + w + "`" +
                         (hint.empty() ? "; expected one of " + join(allowed) : "; did you mean `" + hint + "`?"));
        return;
      }
      out.push_back(w);
    };
    if (n.IsSequence()) {
      for (const auto& item : n) take(item);
    } else if (n.IsScalar()) {
      take(n);
    } else {
      diags_.error(pos(n), "bad-value", "expected a list of " + what + " names");
    }
    return out;
  }

  void read_solutions(const YAML::Node& list) {
    if (!list.IsSequence()) {
      diags_.error(pos(list), "bad-value", "`solutions` must be a list of rules");
      return;
    }
    static const std::vector<std::string> keys{"groups", "relations", "solution", "egress", "steps", "notes", "reason"};
    for (const auto& n : list) {
      if (!n.IsMap()) {
        diags_.error(pos(n), "bad-value", "a solution rule must be a mapping with groups, relations, solution, steps");
        continue;
      }
      check_keys(n, keys, "in a solution rule");
      SolutionRule r;
      r.pos = pos(n);
      bool ok = true;
      for (const char* k : {"groups", "relations", "solution"}) {
        if (!n[k]) {
          diags_.error(pos(n), "missing-key", std::string("the solution rule needs `") + k + "`");
          ok = false;
        }
      }
      if (n["groups"]) r.groups = words(n["groups"], enum_names<GroupKind>(), "resource-group kind", "unknown-group-kind");
      if (n["relations"]) r.relations = words(n["relations"], known_relations(), "relation", "unknown-relation");
      if (n["solution"]) {
        r.solution = scalar(n["solution"]);
        if (r.solution.empty()) {
          diags_.error(pos(n["solution"]), "bad-value", "`solution` must be a name such as direct or link_and_route");
          ok = false;
        }
      }
      r.unsupported = r.solution == "unsupported";
      if (n["egress"]) {
        auto e = words(n["egress"], egress_names(), "egress kind", "unknown-egress");
        if (e.size() == 1) r.egress = static_cast<EgressKind>(std::find(egress_names().begin(), egress_names().end(), e[0]) - egress_names().begin());
      }
      if (n["steps"]) r.steps = words(n["steps"], known_steps(), "step", "unknown-step");
      if (n["notes"]) r.notes = words(n["notes"], known_notes(), "note", "unknown-note");
      if (n["reason"]) r.reason = reason(n["reason"]);
      if (r.unsupported && r.reason.empty() && !n["reason"])
        diags_.error(pos(n), "missing-key",
                     "an unsupported rule needs a `reason`: why the pair cannot be served and what to use instead");
      bool needs_egress = contains(r.steps, "add_whitelist") || contains(r.steps, "add_security_group_rule");
      if (needs_egress && !n["egress"]) {
        diags_.error(pos(n), "missing-key",
                     "the solution rule checks a whitelist or security group, so it needs `egress` (one of " +
                         join(egress_names()) + ")");
      }
      if (ok) rules_.solutions.push_back(std::move(r));
    }
  }

  void read_requirements(const YAML::Node& list) {
    if (!list.IsSequence()) {
      diags_.error(pos(list), "bad-value", "`requirements` must be a list");
      return;
    }
    for (const auto& n : list) {
      if (!n.IsMap()) {
        diags_.error(pos(n), "bad-value", "a requirement must be a mapping with groups and edition");
        continue;
      }
      check_keys(n, {"groups", "edition", "reason"}, "in a requirement");
      Requirement r;
      r.pos = pos(n);
      if (!n["groups"] || !n["edition"] || !n["reason"]) {
        diags_.error(pos(n), "missing-key",
                     "a requirement needs `groups`, `edition` and `reason` (why such pairs are unsupported)");
        continue;
      }
      r.reason = reason(n["reason"]);
      r.groups = words(n["groups"], enum_names<GroupKind>(), "resource-group kind", "unknown-group-kind");
      auto e = words(n["edition"], enum_names<Edition>(), "edition", "unknown-edition");
      if (e.size() == 1) r.edition = *parse_enum<Edition>(e[0]);
      rules_.requirements.push_back(std::move(r));
    }
  }

  void read_standby(const YAML::Node& n) {
    if (!n.IsMap()) {
      diags_.error(pos(n), "bad-value", "`standby` must be a mapping with groups");
      return;
    }
    check_keys(n, {"groups"}, "in standby");
    if (n["groups"]) rules_.standby_groups = words(n["groups"], enum_names<GroupKind>(), "resource-group kind", "unknown-group-kind");
  }

  // A reason sentence; every `{name}` in it must be a known placeholder.
  std::string reason(const YAML::Node& n) {
    std::string text = scalar(n);
    if (!n.IsScalar() || text.empty()) {
      diags_.error(pos(n), "bad-value", "`reason` must be a sentence");
      return {};
    }
    for (std::size_t at = text.find('{'); at != std::string::npos; at = text.find('{', at + 1)) {
      auto close = text.find('}', at);
      std::string name = close == std::string::npos ? text.substr(at + 1) : text.substr(at + 1, close - at - 1);
      if (close == std::string::npos || !contains(reason_placeholders(), name)) {
        std::string hint = nearest(name, reason_placeholders());
        diags_.error(pos(n), "unknown-placeholder",
                     "`{" + name + "}` in the reason is not a placeholder" +
                         (hint.empty() ? "; use one of " + join(reason_placeholders()) : "; did you mean `{" + hint + "}`?"));
      }
    }
    return text;
  }

  void read_alternatives(const YAML::Node& n) {
    if (!n.IsMap()) {
      diags_.error(pos(n), "bad-value", "`alternatives` must be a mapping such as {public_endpoint: internet}");
      return;
    }
    check_keys(n, {"public_endpoint"}, "in alternatives");
    if (n["public_endpoint"]) {
      auto r = words(n["public_endpoint"], known_relations(), "relation", "unknown-relation");
      if (r.size() == 1) rules_.public_endpoint_alternative = r[0];
    }
  }

  std::string file_;
  Rules& rules_;
  Diagnostics& diags_;
  std::set<std::string>& seen_top_;
};

// Every (group kind, relation) cell covered exactly once.
void check_matrix(const Rules& rules, Diagnostics& diags) {
  for (const auto& g : enum_names<GroupKind>()) {
    for (const auto& rel : known_relations()) {
      const SolutionRule* first = nullptr;
      for (const auto& r : rules.solutions) {
        if (!contains(r.groups, g) || !contains(r.relations, rel)) continue;
        if (!first) {
          first = &r;
        } else {
          diags.error(r.pos, "duplicate-rule",
                      "group kind `" + g + "` with relation `" + rel + "` is already covered by the rule at line " +
                          std::to_string(first->pos.line) + " of " + first->pos.file + "; remove one");
        }
      }
      if (!first) {
        diags.error({rules.files.empty() ? std::string("rules") : rules.files.front(), 0, 0}, "missing-rule",
                    "no solution rule covers group kind `" + g + "` with relation `" + rel +
                        "`; add one (use `solution: unsupported` if none applies)");
      }
    }
  }
}

}  // namespace

const SolutionRule* Rules::find(std::string_view group_kind, std::string_view relation) const {
  for (const auto& r : solutions) {
    bool g = std::find(r.groups.begin(), r.groups.end(), group_kind) != r.groups.end();
    bool rel = std::find(r.relations.begin(), r.relations.end(), relation) != r.relations.end();
    if (g && rel) return &r;
  }
  return nullptr;
}

RulesLoad load_rules_texts(const std::vector<std::pair<std::string, std::string>>& files) {
  RulesLoad out;
  out.texts = files;
  Rules rules;
  std::set<std::string> seen_top;
  for (const auto& [name, text] : files) {
    rules.files.push_back(name);
    FileReader(name, rules, out.diagnostics, seen_top).read(text);
  }
  if (files.empty()) {
    out.diagnostics.error({"rules", 0, 0}, "no-rule-files", "no rule files (*.yaml) were found");
  }
  if (!out.diagnostics.has_errors()) check_matrix(rules, out.diagnostics);
  out.diagnostics.sort();
  out.rules = std::move(rules);
  return out;
}

RulesLoad load_rules_dir(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    RulesLoad out;
    out.diagnostics.error({dir, 0, 0}, "unreadable-file",
                          "the rules directory does not exist or is not a directory; give a folder of *.yaml rule files");
    return out;
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::ifstream in(n, std::ios::binary);
    if (!in) {
      RulesLoad out;
      out.diagnostics.error({n, 0, 0}, "unreadable-file", "cannot read the rule file; check its permissions");
      return out;
    }
    std::ostringstream s;
    s << in.rdbuf();
    files.emplace_back(n, s.str());
  }
  return load_rules_texts(files);
}

const Rules& default_rules() {
  static const Rules rules = [] {
    auto loaded = load_rules_texts(compiled_rule_files());
    // The compiled-in rules are tested; failing here means the build shipped broken rules.
    if (!loaded.ok()) throw std::runtime_error("the compiled-in rules are invalid: " +
                                               (loaded.diagnostics.items().empty() ? std::string("?") : loaded.diagnostics.items().front().message));
    return *loaded.rules;
  }();
  return rules;
}

}  // namespace syncpath
