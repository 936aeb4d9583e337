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

#include "notes.hpp"

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

// A pair's own steps: those the same for every pair of its group are in "resource_groups".
template <class Out>
void put_pair_steps(Out& out, const std::vector<PlanStep>& steps) {
  out.push_back('[');
  bool first = true;
  for (const auto& st : steps) {
    if (st.group_level) continue;
    if (!first) out.push_back(',');
    first = false;
    put_step(out, st);
  }
  out.push_back(']');
}

template <class Out>
void put_judgement_body(Out& out, const Judgement& j) {
  out += "\"relation\":"sv;
  put_string(out, j.relation);
  out += ",\"solution\":"sv;
  put_string(out, j.solution);
  out += ",\"status\":\""sv;
  out += status_name(j.status);
  out.push_back('"');
  put_field(out, ",\"reason\":"sv, j.reason);
  out += ",\"path\":"sv;
  put_strings(out, j.path);
  out += ",\"steps\":"sv;
  put_pair_steps(out, j.steps);
}

template <class Out>
void put_step(Out& out, const PlanStep& st) {
  out += "{\"action\":\""sv;
  out += to_string(st.action);  // a word from the table: nothing to escape
  out += st.done ? "\",\"done\":true,\"detail\":"sv : "\",\"done\":false,\"detail\":"sv;
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
  // (Where a step is done, account, region, instance id, own router, follows from the network,
  // source or group it names: the checklist spells it out; the JSON stays as lean as the plan of
  // millions of pairs needs. docs/json.md says how to find it.)
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
    o.push_back('"');
    put_field(o, ",\"reason\":"sv, a.reason);
    o += ",\"steps\":"sv;
    put_pair_steps(o, a.steps);
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
  std::string k(to_string(st.action));
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

std::string step_location(const PlanStep& st) {
  if (st.own_router && st.action == StepAction::add_network_route)
    return "On the own router or VPN customer gateway of `" + st.network + "` (not a cloud console)";
  std::string out;
  if (!st.account.empty()) out = "Account `" + st.account + "`";
  if (!st.region.empty()) out += (out.empty() ? "Region " : ", region ") + st.region;
  return out;
}

std::string console_action(const PlanStep& st) {
  const std::string dest = st.destination ? st.destination->str() : "?";
  const std::string cidr = st.cidr ? st.cidr->str() : "?";
  const std::string where = step_location(st);
  const std::string at = where.empty() ? std::string() : where + ": ";
  // The topology's name of the source, with the cloud's id of its instance beside it.
  const std::string source = "`" + st.data_source + "`" + (st.instance.empty() ? "" : " (`" + st.instance + "`)");
  if (!st.fixable) return at + st.detail + (st.instance.empty() ? "" : " (instance `" + st.instance + "`)");
  switch (st.action) {
    case StepAction::create_vpc:
      return at + "VPC console > Create VPC `" + st.network + "` with CIDR " + cidr + ", vSwitch `" + st.vswitch + "` " +
             dest + " (API: CreateVpc, CreateVSwitch)";
    case StepAction::attach_vpc:
      return at + "DataWorks console > Resource Groups > `" + st.resource_group + "` > Network Settings > Associate VPC `" +
             st.network + "`, vSwitch `" + st.vswitch + "` (API: CreateResourceGroupNetwork / AssociateVpc)";
    case StepAction::grant_cen_instance:
      return at + "VPC console > VPC `" + st.network + "` > CEN Cross Account Authorization: authorize the CEN instance, "
             "owned by the account of `" + st.peer + "`, that the new link `" + st.link + "` attaches it to (API: GrantInstanceToCen)";
    case StepAction::create_link: {
      std::string how = st.link_kind == "cen" ? "CEN console > Attach network instances; API: AttachCenChildInstance"
                        : st.link_kind == "vpn_gateway"
                            ? "VPN Gateway console > IPsec connections; API: CreateVpnConnection"
                            : "Express Connect console > Create VBR / peering; API: CreateVirtualBorderRouter";
      return at + "Connect `" + st.network + "` and `" + st.peer + "` with a new link `" + st.link + "` of kind " +
             st.link_kind + " (" + how + ")" +
             (st.own_router ? "; then set up the data center's end on its own router or VPN customer gateway" : "");
    }
    case StepAction::accept_vpc_peering:
      return at + "VPC console > VPC Peering Connections > `" + st.link + "` from `" + st.peer +
             "` > Accept (API: AcceptVpcPeerConnection)";
    case StepAction::add_network_route:
      if (st.own_router)
        return at + "add a route for " + dest + " toward `" + st.link + "` (the VPN or Express Connect link to the cloud)";
      return at + "VPC console > Route Tables of `" + st.network + "` > Add Route Entry: destination " + dest +
             ", next hop `" + st.link + "` (API: CreateRouteEntry)";
    case StepAction::add_rg_route:
      return at + "DataWorks console > Resource Groups > `" + st.resource_group +
             "` > Network Settings > Add Route: destination " + dest + " in `" + st.network + "`";
    case StepAction::add_whitelist:
      return at + "Add " + cidr + " to the whitelist of " + source +
             " (RDS / PolarDB console: Data Security > Whitelist Settings; API: ModifySecurityIps; a self-managed "
             "database: its own allow list)";
    case StepAction::add_security_group_rule:
      return at + "ECS console > Security Groups of " + source + " > Add inbound rule: " + st.protocol + " port " +
             std::to_string(st.port) + " from " + cidr + " (API: AuthorizeSecurityGroup)";
    case StepAction::add_nat_gateway:
      return at + "NAT Gateway console > Create Internet NAT gateway in `" + st.network + "`, vSwitch `" + st.vswitch +
             "`, bind an EIP and add an SNAT entry (API: CreateNatGateway, AssociateEipAddress, CreateSnatEntry)";
    case StepAction::upgrade_edition:
    case StepAction::use_exclusive_group:
    case StepAction::migrate_to_vpc: break;  // not fixable: their detail says it
  }
  return at + st.detail;
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

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "32 pairs: 9 ready, 1 needs changes, 8 unsupported"
std::string summary_line(const Counts& c) {
  return plural(c.total(), "pair", "pairs") + ": " + std::to_string(c.ready) + " ready, " +
         plural(c.needs_changes, "needs changes", "need changes") + ", " + std::to_string(c.unsupported) + " unsupported";
}

const char* role_words(const std::string& role) { return role == "scheduling" ? "issues it" : "runs it"; }

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
    if (p.first_of_group && !o_.quiet) group_header(out, p);
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
      out += note_sentence(n, p.data_source);
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
  void tasks(const std::vector<TaskPlan>& tasks) override {
    for (const auto& t : tasks) {
      if (o_.quiet && t.status == PairStatus::ready) continue;
      out_ << "task " << t.name << ": " << status_name(t.status) << " (" << t.source << " -> " << t.destination
           << "; run by " << t.integration_group << ", issued by " << t.scheduling_group << ")\n";
      for (const auto& p : t.pairs)
        out_ << "  " << p.resource_group << " -> " << p.data_source << ": " << status_name(p.status) << " ("
             << role_words(p.role) << ")\n";
    }
  }
  void end() override { out_ << summary_line(counts_) << '\n'; }

 private:
  // Steps that say the same for every pair of the group, once, before its first pair.
  void group_header(TextBuf& out, const PairPlan& p) const {
    auto said_once = [](const Judgement& j) {
      return std::any_of(j.steps.begin(), j.steps.end(), [](const PlanStep& st) { return st.group_level; });
    };
    const Judgement& j = p.hosts.empty() ? static_cast<const Judgement&>(p) : p.hosts.front();
    if (!said_once(j)) return;
    out += p.resource_group;
    out += " (every pair):\n"sv;
    for (const auto& st : j.steps)
      if (st.group_level) step_line(out, st, "  ");
  }
  void step_line(TextBuf& out, const PlanStep& st, const char* indent) const {
    out += indent;
    if (o_.color) out += st.done ? "\033[32m"sv : "\033[33m"sv;
    out += st.done ? "[done]"sv : "[todo]"sv;
    if (o_.color) out += kReset;
    out += ' ';
    out += to_string(st.action);
    out += ": "sv;
    out += st.detail;
    out += '\n';
  }
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
    if (!j.reason.empty()) {
      out += indent;
      out += "reason: "sv;
      out += j.reason;
      out += '\n';
    }
    for (const auto& st : j.steps)
      if (!st.group_level) step_line(out, st, indent);
  }
  std::ostream& out_;
  RenderOptions o_;
  Counts counts_;
};

class JsonRenderer : public PerPairRenderer {
 public:
  JsonRenderer(std::ostream& out, RenderOptions o) : out_(out), o_(o) {}
  void groups(const std::vector<GroupSteps>& groups) override {
    groups_ = ",\"resource_groups\":[";
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const ResourceGroup& g = *groups[i].group;
      groups_ += i ? ",\n{\"id\":" : "\n{\"id\":";
      json_string(groups_, g.id);
      groups_ += ",\"kind\":\"" + std::string(to_string(g.kind)) + "\",\"purpose\":\"" +
                 std::string(to_string(g.purpose)) + "\",\"steps\":[";
      for (std::size_t k = 0; k < groups[i].steps.size(); ++k) {
        if (k) groups_ += ',';
        json_step(groups_, groups[i].steps[k]);
      }
      groups_ += "]}";
    }
    groups_ += groups.empty() ? "]" : "\n]";
  }
  void begin() override {
    out_ << "{\"schema_version\":" << kPlanSchemaVersion << ",\"diagnostics\":"
         << (o_.diagnostics ? json_diagnostics(*o_.diagnostics) : std::string("[]")) << groups_ << ",\"pairs\":[";
  }
  // Each pair is ",\n{...}"; the first pair of the output drops its comma when written.
  void render(TextBuf& out, const PairPlan& p) const override {
    out += ",\n"sv;
    json_pair(out, p);
  }
  void write(std::string_view run, const StatusCounts& counts) override {
    counts_.add(counts);
    std::size_t skip = first_ && !run.empty() ? 1 : 0;
    if (!run.empty()) first_ = false;
    out_.write(run.data() + skip, static_cast<std::streamsize>(run.size() - skip));
  }
  void tasks(const std::vector<TaskPlan>& tasks) override {
    std::string out = ",\"tasks\":[";
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const auto& t = tasks[i];
      out += i ? ",\n{\"name\":" : "\n{\"name\":";
      json_string(out, t.name);
      for (auto [key, value] : {std::pair{",\"source\":", &t.source}, std::pair{",\"destination\":", &t.destination},
                                std::pair{",\"integration_group\":", &t.integration_group},
                                std::pair{",\"scheduling_group\":", &t.scheduling_group}}) {
        out += key;
        json_string(out, *value);
      }
      out += ",\"status\":\"" + std::string(status_name(t.status)) + "\",\"pairs\":[";
      for (std::size_t k = 0; k < t.pairs.size(); ++k) {
        const auto& p = t.pairs[k];
        out += k ? ",{\"resource_group\":" : "{\"resource_group\":";
        json_string(out, p.resource_group);
        out += ",\"data_source\":";
        json_string(out, p.data_source);
        out += ",\"role\":\"" + p.role + "\",\"status\":\"" + std::string(status_name(p.status)) + "\"}";
      }
      out += "]}";
    }
    out += tasks.empty() ? "]" : "\n]";
    tasks_ = std::move(out);
  }
  void end() override {
    out_ << (first_ ? "]" : "\n]") << tasks_ << ",\"summary\":{\"pairs\":" << counts_.total() << ",\"ready\":" << counts_.ready
         << ",\"needs_changes\":" << counts_.needs_changes << ",\"unsupported\":" << counts_.unsupported << "}}\n";
  }

 private:
  std::ostream& out_;
  RenderOptions o_;
  Counts counts_;
  bool first_ = true;
  std::string groups_;  // ,"resource_groups":[...] once groups() has been given them
  std::string tasks_;   // ,"tasks":[...] once tasks() has been given them
};

// The remediation checklist: one entry per distinct action, in the order a person works
// (create, attach, connect, route, open), listing every pair it unblocks.
class MarkdownRenderer : public PlanRenderer {
 public:
  MarkdownRenderer(std::ostream& out, const Topology& t) : out_(out), t_(t) {}
  void pair(const PairPlan& p) override {
    counts_.add(p.status);
    std::string name = p.resource_group + " → " + p.data_source;
    if (p.status == PairStatus::unsupported)
      unsupported_.push_back(name + " (" + p.relation + ")" + (p.reason.empty() ? "" : ": " + p.reason));
    for (const auto& n : p.notes) {
      std::string sentence = note_sentence(n, p.data_source);
      auto it = note_index_.find(sentence);
      if (it == note_index_.end()) {
        it = note_index_.emplace(sentence, notes_.size()).first;
        notes_.push_back({sentence, {}});
      }
      notes_[it->second].second.push_back(name);
    }
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
  void tasks(const std::vector<TaskPlan>& tasks) override { tasks_ = tasks; }
  void end() override {
    out_ << "# Remediation checklist: " << t_.workspace.name << "\n\n";
    out_ << summary_line(counts_) << ".\n";
    if (entries_.empty()) out_ << "\nNothing to do.\n";
    for (const auto& info : step_actions()) {
      bool any = false;
      for (const auto& e : entries_) {
        if (e.step.action != info.action) continue;
        if (!any) out_ << "\n## " << info.heading << "\n\n";
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
    if (!notes_.empty()) {
      out_ << "\n## Notes\n\n";
      for (const auto& [sentence, pairs] : notes_) {
        out_ << "- " << sentence << "\n  - pairs: ";
        for (std::size_t i = 0; i < pairs.size(); ++i) out_ << (i ? ", " : "") << pairs[i];
        out_ << '\n';
      }
    }
    if (!tasks_.empty()) {
      out_ << "\n## Tasks\n\n| task | source → destination | status | run by | issued by |\n|---|---|---|---|---|\n";
      for (const auto& t : tasks_) {
        auto group_status = [&](const std::string& role) {
          PairStatus worst = PairStatus::ready;
          for (const auto& p : t.pairs)
            if (p.role == role) worst = std::max(worst, p.status);
          return std::string(status_name(worst));
        };
        out_ << "| " << t.name << " | " << t.source << " → " << t.destination << " | " << status_name(t.status) << " | "
             << t.integration_group << " (" << group_status("data_integration") << ") | " << t.scheduling_group << " ("
             << group_status("scheduling") << ") |\n";
      }
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
  std::vector<std::pair<std::string, std::vector<std::string>>> notes_;  // sentence, pairs
  std::unordered_map<std::string, std::size_t> note_index_;
  std::vector<TaskPlan> tasks_;
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
  if (format == "json") return std::make_unique<JsonRenderer>(out, options);
  if (format == "markdown") return std::make_unique<MarkdownRenderer>(out, topology);
  if (format == "dot") return std::make_unique<DotRenderer>(out, topology);
  if (format == "terraform") return make_terraform_renderer(out, topology, nullptr, nullptr);
  if (format == "aliyun") return make_aliyun_renderer(out, topology, nullptr);
  return nullptr;
}

}  // namespace syncpath
