#include "render.hpp"
#include "render_code.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <ostream>
#include <unordered_map>
#include <unordered_set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace syncpath {

using namespace std::literals;

namespace {
// Bytes JSON strings must escape: control characters, '"' and '\\'.
constexpr std::array<bool, 256> kEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// The index of the first byte of `s` that JSON must escape, or s.size(). Sixteen bytes at a
// time with SSE2 (every x86-64 has it), then eight with plain integers (a byte below 0x20, '"'
// or '\\' sets the high bit of its lane), then one: the plan's JSON is gigabytes of ids and
// sentences that almost never need an escape, and this scan was a fifth of its rendering.
std::size_t first_escape(std::string_view s) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1f);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                     _mm_cmpeq_epi8(_mm_max_epu8(v, control), control));  // v <= 0x1f
    if (_mm_movemask_epi8(hit)) break;  // one of these 16 needs an escape: find which below
  }
#endif
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const std::uint64_t quote8 = w ^ (kOnes * '"'), slash8 = w ^ (kOnes * '\\');
    const std::uint64_t hit = ((w - kOnes * 0x20) & ~w) | ((quote8 - kOnes) & ~quote8) | ((slash8 - kOnes) & ~slash8);
    if (hit & kHighs) break;
  }
  for (; i < s.size(); ++i)
    if (kEscape[static_cast<unsigned char>(s[i])]) return i;
  return s.size();
}

}  // namespace

// The JSON writers, one template for std::string and TextBuf (the plan's hot path).
namespace {

template <class Out>
void put_step(Out& out, const PlanStep& st);

template <class Out>
void put_string(Out& out, std::string_view s) {
  std::size_t start = first_escape(s);
  out += '"';
  out.append(s.data(), start);
  for (std::size_t i = start; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kEscape[c]) continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""sv; break;
      case '\\': out += "\\\\"sv; break;
      case '\n': out += "\\n"sv; break;
      case '\t': out += "\\t"sv; break;
      case '\r': out += "\\r"sv; break;
      default: {
        static const char* hex = "0123456789abcdef";
        char buf[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(buf, 6);
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

// `prefix` is `,"key":`, written whole.
template <class Out>
void put_field(Out& out, std::string_view prefix, std::string_view value) {
  if (value.empty()) return;
  out += prefix;
  put_string(out, value);
}

// `[a,b,...]`, each item written by put_item(out, item).
template <class Out, class T, class PutItem>
void put_array(Out& out, const std::vector<T>& items, PutItem put_item) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    put_item(out, items[i]);
  }
  out.push_back(']');
}

template <class Out>
void put_strings(Out& out, const std::vector<std::string>& v) {
  put_array(out, v, [](Out& o, const std::string& x) { put_string(o, x); });
}

template <class Out>
void put_steps(Out& out, const std::vector<PlanStep>& steps) {
  put_array(out, steps, [](Out& o, const PlanStep& st) { put_step(o, st); });
}

template <class Out>
void put_judgement_body(Out& out, const Judgement& j) {
  out += "\"relation\":"sv;
  put_string(out, j.relation);
  out += ",\"solution\":"sv;
  put_string(out, j.solution);
  out += ",\"status\":\""sv;
  out += status_name(j.status);
  out += "\",\"path\":"sv;
  put_strings(out, j.path);
  out += ",\"steps\":"sv;
  put_steps(out, j.steps);
}

template <class Out>
void put_step(Out& out, const PlanStep& st) {
  out += "{\"action\":"sv;
  put_string(out, st.action);
  out += st.done ? ",\"done\":true,\"detail\":"sv : ",\"done\":false,\"detail\":"sv;
  put_string(out, st.detail);
  put_field(out, ",\"network\":"sv, st.network);
  put_field(out, ",\"vswitch\":"sv, st.vswitch);
  put_field(out, ",\"link\":"sv, st.link);
  put_field(out, ",\"link_kind\":"sv, st.link_kind);
  put_field(out, ",\"peer\":"sv, st.peer);
  auto cidr_field = [&](std::string_view prefix, const std::optional<Cidr>& c) {
    if (!c) return;
    out += prefix;
    char buf[Cidr::kMaxText];
    out.append(buf, c->write(buf));  // digits, dots and a slash: nothing to escape
    out.push_back('"');
  };
  cidr_field(",\"destination\":\""sv, st.destination);
  cidr_field(",\"cidr\":\""sv, st.cidr);
  put_field(out, ",\"protocol\":"sv, st.protocol);
  if (st.port) {
    out += ",\"port\":"sv;
    char buf[16];
    out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, st.port).ptr - buf));
  }
  put_field(out, ",\"data_source\":"sv, st.data_source);
  put_field(out, ",\"resource_group\":"sv, st.resource_group);
  if (!st.done) out += st.fixable ? ",\"fixable\":true"sv : ",\"fixable\":false"sv;
  out.push_back('}');
}

template <class Out>
void put_pair(Out& out, const PairPlan& p) {
  out += "{\"resource_group\":"sv;
  put_string(out, p.resource_group);
  out += ",\"data_source\":"sv;
  put_string(out, p.data_source);
  if (!p.host.empty()) {
    out += ",\"host\":"sv;
    put_string(out, p.host);
  }
  out.push_back(',');
  put_judgement_body(out, p);
  out += ",\"notes\":"sv;
  put_strings(out, p.notes);
  out += ",\"alternatives\":"sv;
  put_array(out, p.alternatives, [](Out& o, const Alternative& a) {
    o += "{\"solution\":"sv;
    put_string(o, a.solution);
    o += ",\"relation\":"sv;
    put_string(o, a.relation);
    o += ",\"status\":\""sv;
    o += status_name(a.status);
    o += "\",\"steps\":"sv;
    put_steps(o, a.steps);
    o.push_back('}');
  });
  if (!p.hosts.empty()) {
    out += ",\"hosts\":"sv;
    put_array(out, p.hosts, [](Out& o, const Judgement& h) {
      o += "{\"host\":"sv;
      put_string(o, h.host);
      o.push_back(',');
      put_judgement_body(o, h);
      o.push_back('}');
    });
  }
  out.push_back('}');
}

}  // namespace

void json_string(std::string& out, std::string_view s) { put_string(out, s); }
void json_string(TextBuf& out, std::string_view s) { put_string(out, s); }
void json_step(std::string& out, const PlanStep& st) { put_step(out, st); }
void json_step(TextBuf& out, const PlanStep& st) { put_step(out, st); }
void json_pair(std::string& out, const PairPlan& p) { put_pair(out, p); }
void json_pair(TextBuf& out, const PairPlan& p) { put_pair(out, p); }

void json_string(std::ostream& out, std::string_view s) {
  std::string buf;
  json_string(buf, s);
  out << buf;
}

void json_step(std::ostream& out, const PlanStep& st) {
  std::string buf;
  json_step(buf, st);
  out << buf;
}

void json_pair(std::ostream& out, const PairPlan& p) {
  std::string buf;
  json_pair(buf, p);
  out << buf;
}

std::string step_key(const PlanStep& st) {
  std::string k = st.action;
  auto add = [&](std::string_view v) {
    k += '|';
    k += v;
  };
  add(st.network);
  add(st.vswitch);
  add(st.link);
  add(st.peer);
  add(st.destination ? st.destination->str() : "");
  add(st.cidr ? st.cidr->str() : "");
  add(st.protocol);
  add(std::to_string(st.port));
  add(st.data_source);
  add(st.resource_group);
  if (!st.fixable) add(st.detail);  // no structured fix: only the same words are the same action
  return k;
}

std::string console_action(const PlanStep& st) {
  const std::string dest = st.destination ? st.destination->str() : "?";
  const std::string cidr = st.cidr ? st.cidr->str() : "?";
  if (!st.fixable) return st.detail;
  if (st.action == "create_vpc")
    return "VPC console > Create VPC `" + st.network + "` with vSwitch `" + st.vswitch + "` (API: CreateVpc, CreateVSwitch)";
  if (st.action == "attach_vpc")
    return "DataWorks console > Resource Groups > `" + st.resource_group + "` > Network Settings > Associate VPC `" + st.network +
           "`, vSwitch `" + st.vswitch + "` (API: CreateResourceGroupNetwork / AssociateVpc)";
  if (st.action == "create_link")
    return "Connect `" + st.network + "` and `" + st.peer + "` with a new link `" + st.link + "` of kind " + st.link_kind +
           " (" + (st.link_kind == "cen" ? "CEN console > Attach network instances; API: AttachCenChildInstance" :
                    st.link_kind == "vpn_gateway" ? "VPN Gateway console > IPsec connections; API: CreateVpnConnection" :
                                                    "Express Connect console > Create VBR / peering; API: CreateVirtualBorderRouter") + ")";
  if (st.action == "add_network_route")
    return "VPC console > Route Tables of `" + st.network + "` > Add Route Entry: destination " + dest + ", next hop `" + st.link +
           "` (API: CreateRouteEntry)";
  if (st.action == "add_rg_route")
    return "DataWorks console > Resource Groups > `" + st.resource_group + "` > Network Settings > Add Route: destination " + dest +
           " in `" + st.network + "`";
  if (st.action == "add_whitelist")
    return "Add " + cidr + " to the whitelist of `" + st.data_source + "` (RDS console: Data Security > Whitelist Settings; API: ModifySecurityIps; self-managed: the database's allow list)";
  if (st.action == "add_security_group_rule")
    return "ECS console > Security Groups of `" + st.data_source + "` > Add inbound rule: " + st.protocol + " port " +
           std::to_string(st.port) + " from " + cidr + " (API: AuthorizeSecurityGroup)";
  if (st.action == "add_nat_gateway")
    return "NAT Gateway console > Create Internet NAT gateway in `" + st.network + "`, vSwitch `" + st.vswitch +
           "`, bind an EIP and add an SNAT entry (API: CreateNatGateway, AssociateEipAddress, CreateSnatEntry)";
  return st.detail;
}

namespace {

const char* kReset = "\033[0m";
const char* status_color(PairStatus s) {
  switch (s) {
    case PairStatus::ready: return "\033[32m";
    case PairStatus::needs_changes: return "\033[33m";
    case PairStatus::unsupported: return "\033[31m";
  }
  return "";
}

std::string join_path(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : " > ") + p;
  return out.empty() ? "(none)" : out;
}

using Counts = StatusCounts;

// A renderer whose output for a pair depends on that pair alone (text, json): `pair` renders
// the one pair and writes it, the path plan_pairs_parallel takes with runs of many pairs.
class PerPairRenderer : public PlanRenderer {
 public:
  bool per_pair() const final { return true; }
  void pair(const PairPlan& p) final {
    buf_.clear();  // keeps its capacity
    render(buf_, p);
    StatusCounts counts;
    counts.add(p.status);
    write(buf_.view(), counts);
  }

 private:
  TextBuf buf_;
};

// One pair's text, appended to `out` (the same words whether planned on one thread or many).
class TextRenderer : public PerPairRenderer {
 public:
  TextRenderer(std::ostream& out, RenderOptions o) : out_(out), o_(o) {}
  void render(TextBuf& out, const PairPlan& p) const override {
    if (o_.quiet && p.status == PairStatus::ready) return;
    out += p.resource_group;
    out += " -> "sv;
    out += p.data_source;
    out += ": "sv;
    if (o_.color) out += status_color(p.status);
    out += status_name(p.status);
    if (o_.color) out += kReset;
    out += " ("sv;
    out += p.relation;
    out += ", "sv;
    out += p.solution;
    out += ")\n"sv;
    if (p.hosts.empty()) {
      body(out, p, "  ");
    } else {
      for (const auto& h : p.hosts) {
        out += "  host "sv;
        out += h.host;
        out += ": "sv;
        out += status_name(h.status);
        out += " ("sv;
        out += h.relation;
        out += ", "sv;
        out += h.solution;
        out += ")\n"sv;
        body(out, h, "    ");
      }
    }
    for (const auto& n : p.notes) {
      out += "  note: "sv;
      out += n;
      out += '\n';
    }
    for (const auto& a : p.alternatives) {
      out += "  alternative: "sv;
      out += a.solution;
      out += " over "sv;
      out += a.relation;
      out += " ("sv;
      out += status_name(a.status);
      out += ")\n"sv;
    }
  }
  void write(std::string_view run, const StatusCounts& counts) override {
    counts_.add(counts);
    out_.write(run.data(), static_cast<std::streamsize>(run.size()));
  }
  void end() override {
    out_ << counts_.total() << " pairs: " << counts_.ready << " ready, " << counts_.needs_changes << " need changes, "
         << counts_.unsupported << " unsupported\n";
  }

 private:
  void body(TextBuf& out, const Judgement& j, const char* indent) const {
    if (!j.host.empty() && indent[2] == 0) {
      out += indent;
      out += "host: "sv;
      out += j.host;
      out += '\n';
    }
    out += indent;
    out += "path: "sv;
    out += join_path(j.path);
    out += '\n';
    for (const auto& st : j.steps) {
      out += indent;
      if (o_.color) out += st.done ? "\033[32m"sv : "\033[33m"sv;
      out += st.done ? "[done]"sv : "[todo]"sv;
      if (o_.color) out += kReset;
      out += ' ';
      out += st.action;
      out += ": "sv;
      out += st.detail;
      out += '\n';
    }
  }
  std::ostream& out_;
  RenderOptions o_;
  Counts counts_;
};

class JsonRenderer : public PerPairRenderer {
 public:
  explicit JsonRenderer(std::ostream& out) : out_(out) {}
  void begin() override { out_ << "{\"pairs\":["; }
  // Each pair is ",\n{...}"; the first pair of the output drops its comma when written.
  void render(TextBuf& out, const PairPlan& p) const override {
    out += ",\n"sv;
    json_pair(out, p);
  }
  void write(std::string_view run, const StatusCounts&) override {
    std::size_t skip = first_ && !run.empty() ? 1 : 0;
    if (!run.empty()) first_ = false;
    out_.write(run.data() + skip, static_cast<std::streamsize>(run.size() - skip));
  }
  void end() override { out_ << (first_ ? "]}\n" : "\n]}\n"); }

 private:
  std::ostream& out_;
  bool first_ = true;
};

// The remediation checklist: one entry per distinct action, in the order a person works
// (create, attach, connect, route, open), listing every pair it unblocks.
class MarkdownRenderer : public PlanRenderer {
 public:
  MarkdownRenderer(std::ostream& out, const Topology& t) : out_(out), t_(t) {}
  void pair(const PairPlan& p) override {
    counts_.add(p.status);
    std::string name = p.resource_group + " → " + p.data_source;
    if (p.status == PairStatus::unsupported) unsupported_.push_back(name + " (" + p.relation + ")");
    auto take = [&](const Judgement& j) {
      for (const auto& st : j.steps) {
        if (st.done) continue;
        std::string key = step_key(st);
        auto it = index_.find(key);
        if (it == index_.end()) {
          it = index_.emplace(key, entries_.size()).first;
          entries_.push_back({st, {}});
        }
        auto& pairs = entries_[it->second].pairs;
        std::string label = j.host.empty() ? name : name + " (host " + j.host + ")";
        if (pairs.empty() || pairs.back() != label) pairs.push_back(label);
      }
    };
    if (p.hosts.empty()) take(p);
    for (const auto& h : p.hosts) take(h);
  }
  void end() override {
    out_ << "# Remediation checklist: " << t_.workspace.name << "\n\n";
    out_ << counts_.total() << " pairs: " << counts_.ready << " ready, " << counts_.needs_changes << " need changes, "
         << counts_.unsupported << " unsupported.\n";
    static const std::vector<std::pair<std::string, std::string>> order{
        {"upgrade_edition", "Upgrade the edition"},  {"migrate_to_vpc", "Migrate classic sources"},
        {"create_vpc", "Create VPCs"},                {"attach_vpc", "Associate resource groups with VPCs"},
        {"create_link", "Connect networks"},          {"add_network_route", "Add network routes"},
        {"add_rg_route", "Add resource-group routes"}, {"add_nat_gateway", "Add Internet NAT gateways"},
        {"add_whitelist", "Add whitelist entries"},   {"add_security_group_rule", "Open security groups"}};
    if (entries_.empty()) out_ << "\nNothing to do.\n";
    for (const auto& [action, title] : order) {
      bool any = false;
      for (const auto& e : entries_) {
        if (e.step.action != action) continue;
        if (!any) out_ << "\n## " << title << "\n\n";
        any = true;
        out_ << "- [ ] " << console_action(e.step) << (e.step.fixable ? "" : " *(not fixable by configuration)*") << "\n";
        out_ << "  - unblocks: ";
        for (std::size_t i = 0; i < e.pairs.size(); ++i) out_ << (i ? ", " : "") << e.pairs[i];
        out_ << '\n';
      }
    }
    if (!unsupported_.empty()) {
      out_ << "\n## Unsupported pairs\n\n";
      for (const auto& u : unsupported_) out_ << "- " << u << '\n';
    }
  }

 private:
  struct Entry {
    PlanStep step;
    std::vector<std::string> pairs;
  };
  std::ostream& out_;
  const Topology& t_;
  Counts counts_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::string> unsupported_;
};

std::string dot_id(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n"sv;  // a line break inside a label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* dot_color(PairStatus s) {
  switch (s) {
    case PairStatus::ready: return "green4";
    case PairStatus::needs_changes: return "orange";
    case PairStatus::unsupported: return "red";
  }
  return "black";
}

class DotRenderer : public PlanRenderer {
 public:
  DotRenderer(std::ostream& out, const Topology& t) : out_(out), t_(t) {}
  void pair(const PairPlan& p) override { paths_.push_back({p.path, p.status, p.resource_group + " → " + p.data_source}); }
  void end() override {
    out_ << "graph syncpath {\n  graph [rankdir=LR, label=" << dot_id("syncpath plan: " + t_.workspace.name) << "];\n";
    out_ << "  node [fontname=\"Helvetica\"];\n";
    std::unordered_set<std::string> nodes;
    auto node = [&](const std::string& id, const char* shape, const std::string& label) {
      if (!nodes.insert(id).second) return;
      out_ << "  " << dot_id(id) << " [shape=" << shape << ", label=" << dot_id(label) << "];\n";
    };
    for (const auto& n : t_.networks) node(n.id, "ellipse", n.id + "\n" + std::string(to_string(n.kind)));
    node(std::string(kInternet), "doublecircle", "internet");
    for (const auto& l : t_.links) node(l.id, "diamond", l.id + "\n" + std::string(to_string(l.kind)));
    for (const auto& g : t_.resource_groups) node(g.id, "box", g.id + "\n" + std::string(to_string(g.kind)));
    for (const auto& s : t_.data_sources) node(s.name, "cylinder", s.name + "\n" + std::string(to_string(s.type)));
    // The topology's own structure in grey.
    for (const auto& l : t_.links) {
      out_ << "  " << dot_id(l.between[0]) << " -- " << dot_id(l.id) << " [color=gray70];\n";
      out_ << "  " << dot_id(l.id) << " -- " << dot_id(l.between[1]) << " [color=gray70];\n";
    }
    for (const auto& g : t_.resource_groups) {
      for (const auto& a : g.attachments)
        out_ << "  " << dot_id(g.id) << " -- " << dot_id(a.network) << " [color=gray70, style=dashed];\n";
      for (const auto& h : g.hosts)
        out_ << "  " << dot_id(g.id) << " -- " << dot_id(h.network) << " [color=gray70, style=dashed, label=" << dot_id(h.name) << "];\n";
    }
    for (const auto& s : t_.data_sources)
      if (!s.network.empty()) out_ << "  " << dot_id(s.network) << " -- " << dot_id(s.name) << " [color=gray70, style=dashed];\n";
    // Each pair's path, coloured by status; hops that do not exist yet are drawn as nodes too.
    for (const auto& pp : paths_) {
      for (const auto& hop : pp.path) node(hop, "box", hop + "\n(proposed)");
      for (std::size_t i = 0; i + 1 < pp.path.size(); ++i)
        out_ << "  " << dot_id(pp.path[i]) << " -- " << dot_id(pp.path[i + 1]) << " [color=" << dot_color(pp.status)
             << ", penwidth=2, tooltip=" << dot_id(pp.label + ": " + std::string(status_name(pp.status))) << "];\n";
    }
    out_ << "}\n";
  }

 private:
  struct PathEntry {
    std::vector<std::string> path;
    PairStatus status;
    std::string label;
  };
  std::ostream& out_;
  const Topology& t_;
  std::vector<PathEntry> paths_;
};

}  // namespace

std::unique_ptr<PlanRenderer> make_plan_renderer(const std::string& format, std::ostream& out, const Topology& topology,
                                                 RenderOptions options) {
  if (format == "text") return std::make_unique<TextRenderer>(out, options);
  if (format == "json") return std::make_unique<JsonRenderer>(out);
  if (format == "markdown") return std::make_unique<MarkdownRenderer>(out, topology);
  if (format == "dot") return std::make_unique<DotRenderer>(out, topology);
  if (format == "terraform") return make_terraform_renderer(out, topology, nullptr, nullptr);
  if (format == "aliyun") return make_aliyun_renderer(out, topology, nullptr);
  return nullptr;
}

}  // namespace syncpath
