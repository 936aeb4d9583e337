// The topology loader: yaml-cpp into the typed model, every problem collected in one pass.
//
// Sections are read in dependency order (accounts, workspace, networks, links, resource
// groups, data sources) whatever their order in the file, so a reference can be checked with
// its YAML node at hand (exact position) against everything it may point at. The one
// forward reference, a network route `via` a link, is checked once the links are read.
#include "loader.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "loader_codes.hpp"
#include "loader_yaml.hpp"

namespace syncpath {

const std::vector<std::string_view>& loader_diagnostic_codes() {
  static const std::vector<std::string_view> codes{
      "not-readable",       "not-text",          "empty-file",
      "yaml-syntax",        "multiple-documents", "wrong-type",
      "unknown-key",        "duplicate-key",     "missing-key",
      "bad-value",          "bad-enum",          "bad-port",
      "unsupported-version", "invalid-cidr",     "invalid-address",
      "duplicate-id",       "reserved-id",       "unknown-account",
      "unknown-network",    "unknown-vswitch",   "unknown-link",
      "key-not-for-kind",   "link-same-network", "route-link-not-joined",
      "vswitch-outside-vpc", "vswitch-overlap",  "address-outside-network",
      "address-outside-vswitch", "link-address-overlap", "attachment-not-vpc",
      "attachment-vswitch-not-in-network", "attachment-cross-region", "literal-password",
      "password-at-sign",   "custom-group-edition", "whitelist-not-modelled",
      "open-to-all",        "unknown-source",    "unknown-group",
      "task-group-purpose",
  };
  return codes;
}

namespace {

struct Field {
  std::string key;
  yaml::Node key_node;
  yaml::Node value;
};

// A mapping node read once into its fields (a linear scan finds a key: maps here are small).
struct MapView {
  bool valid = false;
  SourcePos pos;
  std::vector<Field> fields;
  const Field* find(std::string_view key) const {
    for (const auto& f : fields)
      if (f.key == key) return &f;
    return nullptr;
  }
};

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto n = nearest(word, candidates);
  return n.empty() ? std::string{} : " (did you mean " + quote(n) + "?)";
}

// Lines a literal password sits on are blanked in the text kept for carets, so no rendering
// of a diagnostic can show it.
void mask_range(std::string& text, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < text.size(); ++i)
    if (text[i] != '\n' && text[i] != '\r') text[i] = '*';
}

// Blanks from `from` to the end of its line, and the lines after it that are indented deeper
// than that line (a block or multi-line scalar continues there).
void mask_value_lines(std::string& text, std::size_t from) {
  std::size_t line_start = text.rfind('\n', from == 0 ? 0 : from - 1);
  line_start = (line_start == std::string::npos || from == 0) ? 0 : line_start + 1;
  auto indent_at = [&](std::size_t start) {
    std::size_t i = start;
    while (i < text.size() && (text[i] == ' ' || text[i] == '-')) ++i;
    return i - start;
  };
  const std::size_t indent = indent_at(line_start);
  std::size_t end = text.find('\n', from);
  mask_range(text, from, end == std::string::npos ? text.size() : end);
  while (end != std::string::npos) {
    std::size_t next = end + 1;
    std::size_t next_end = text.find('\n', next);
    std::size_t stop = next_end == std::string::npos ? text.size() : next_end;
    std::size_t k = next;
    while (k < stop && text[k] == ' ') ++k;
    bool blank = k == stop || text[k] == '\r';
    if (!blank && k - next <= indent) break;
    mask_range(text, next, stop);
    end = next_end;
  }
}

// Any `password:` whose value is not a mapping has its value blanked to the end of the line.
// Done on the raw text so it also protects files that do not parse.
void mask_password_lines(std::string& text) {
  static const std::string kKey = "password";
  std::size_t at = 0;
  while ((at = text.find(kKey, at)) != std::string::npos) {
    std::size_t p = at + kKey.size();
    at = p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '"' || text[p] == '\''))
      ++p;
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    if (p < text.size() && text[p] == '{') continue;  // {env: NAME} or {file: PATH}: not secret
    mask_value_lines(text, p);
  }
}

// The position of the first byte that is not valid UTF-8 text (or a NUL), if any.
std::optional<std::size_t> first_non_text_byte(const std::string& s) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    if (c == 0xC0 || c == 0xC1 || c > 0xF4) return i;  // overlong or beyond U+10FFFF
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::nullopt;
}

// yaml-cpp marks are 0-based; this is the one place they become 1-based.
SourcePos source_pos(const std::string& file, const yaml::Mark& m) {
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

class Loader {
 public:
  Loader(std::string file, Diagnostics& diags, std::string& masked_text)
      : file_(std::move(file)), d_(diags), masked_(masked_text) {}

  void load(const yaml::Node& root, Topology& t);

 private:
  SourcePos pos(const yaml::Node& n, const SourcePos& fallback = {}) const {
    if (!n.IsDefined() || n.GetMark().is_null()) return fallback.file.empty() ? SourcePos{file_, 0, 0} : fallback;
    return source_pos(file_, n.GetMark());
  }
  SourcePos value_pos(const Field& f) const { return pos(f.value, pos(f.key_node)); }

  // A YAML alias repeats its anchor's nodes, marks and all: the same problem at the same place
  // is reported once however often it is repeated (`[&vs {...}, *vs, *vs, ...]`).
  bool first_time(const SourcePos& p, const char* code, const std::string& msg) {
    return reported_.insert(std::to_string(p.line) + ':' + std::to_string(p.column) + ':' + code + ':' + msg).second;
  }
  void error(const SourcePos& p, const char* code, std::string msg) {
    if (first_time(p, code, msg)) d_.error(p, code, std::move(msg));
  }
  void warning(const SourcePos& p, const char* code, std::string msg) {
    if (first_time(p, code, msg)) d_.warning(p, code, std::move(msg));
  }
  // did_you_mean over one of the loader's id lists (`list` names it), computed once per distinct
  // word and list, and not at all past
  // kMaxSuggestions distinct words: each costs a scan of the candidates, and a file with
  // thousands of different unknown names gets no more help from the next thousand hints.
  std::string hint(const std::string& word, const std::vector<std::string>& candidates, const char* list) {
    std::string key = std::string(list) + ':' + word;
    if (auto it = hints_.find(key); it != hints_.end()) return it->second;
    if (hints_.size() >= kMaxSuggestions) return {};
    return hints_.emplace(std::move(key), did_you_mean(word, candidates)).first->second;
  }
  static constexpr std::size_t kMaxSuggestions = 200;
  std::unordered_set<std::string> reported_;
  std::unordered_map<std::string, std::string> hints_;

  // --- generic readers -------------------------------------------------------------------
  MapView map(const yaml::Node& n, const std::string& what, const SourcePos& fallback);
  void check_keys(const MapView& m, const std::vector<std::string>& allowed, const std::string& what,
                  bool secret_keys = false);
  std::vector<yaml::Node> seq(const Field& f, const std::string& what);
  std::optional<std::string> scalar(const yaml::Node& v, const SourcePos& p, const std::string& what);
  std::optional<std::string> str(const MapView& m, std::string_view key, bool required, const std::string& ctx);
  template <typename E>
  std::optional<E> enumeration(const MapView& m, std::string_view key, bool required, const std::string& ctx);
  std::optional<Cidr> cidr(const yaml::Node& v, const SourcePos& p, const std::string& what);
  std::optional<Cidr> cidr_field(const MapView& m, std::string_view key, bool required, const std::string& ctx);
  std::optional<Ipv4> address(const MapView& m, std::string_view key, bool required, const std::string& ctx);
  std::optional<int> port(const MapView& m, std::string_view key, bool required, const std::string& ctx);
  std::optional<bool> boolean(const MapView& m, std::string_view key, const std::string& ctx);
  void missing(const MapView& m, std::string_view key, const std::string& ctx) {
    error(m.pos, "missing-key", ctx + " is missing the required key " + quote(key));
  }
  void not_for_kind(const MapView& m, std::string_view key, const std::string& ctx, const std::string& why) {
    if (const Field* f = m.find(key))
      error(pos(f->key_node, m.pos), "key-not-for-kind", ctx + ": " + quote(key) + " " + why);
  }
  // An id that must be unique in `seen`; reports the duplicate with the first place.
  bool unique(std::unordered_map<std::string, SourcePos>& seen, const std::string& id, const SourcePos& p,
              const std::string& what);

  // --- sections ----------------------------------------------------------------------------
  void read_accounts(const Field& f, Topology& t);
  void read_workspace(const Field& f, Topology& t);
  void read_networks(const Field& f, Topology& t);
  void read_network(const yaml::Node& n, std::size_t index, Topology& t);
  void read_links(const Field& f, Topology& t);
  void read_groups(const Field& f, Topology& t);
  void read_group(const yaml::Node& n, std::size_t index, Topology& t);
  void read_sources(const Field& f, Topology& t);
  void read_source(const yaml::Node& n, std::size_t index, Topology& t);
  void read_tasks(const Field& f, Topology& t);
  std::optional<Endpoint> read_endpoint(const Field& f, const std::string& ctx, bool public_side);
  SecretRef read_password(const Field& f, const std::string& ctx);
  void check_account(const Field& f, const std::string& id, const std::string& ctx);
  const Network* network_ref(const Field& f, const std::string& id, const std::string& ctx,
                             const Topology& t);
  void check_link_overlaps(const Topology& t);

  std::string file_;
  Diagnostics& d_;
  std::string& masked_;
  bool has_accounts_ = false;
  std::unordered_set<std::string> account_ids_;
  std::vector<std::string> account_list_;
  std::unordered_map<std::string, std::size_t> networks_;  // id -> index in t.networks
  std::vector<std::string> network_ids_;                   // for "did you mean"
  std::unordered_map<std::string, std::size_t> vswitch_owner_;  // vswitch id -> network index
  std::unordered_map<std::string, std::size_t> links_;
  std::vector<std::string> link_ids_;
  struct PendingVia {
    std::string link;
    std::string network;
    SourcePos pos;
    std::string ctx;
  };
  std::vector<PendingVia> pending_via_;
  struct BrokenLink {  // a link one of whose ends names no network
    std::array<std::string, 2> between;  // as written
    SourcePos cause;                     // the end's position (its unknown-network error)
  };
  std::unordered_map<std::string, BrokenLink> broken_links_;
  std::unordered_set<std::string> unusable_links_;  // links whose `between` is missing or malformed
  // Items that are defined but whose definition has errors (they are not in the model):
  // references to them are not reported again as unknown.
  std::unordered_set<std::string> broken_vswitches_, broken_sources_, broken_groups_;
};

MapView Loader::map(const yaml::Node& n, const std::string& what, const SourcePos& fallback) {
  MapView m;
  m.pos = pos(n, fallback);
  if (!n.IsMap()) {
    error(m.pos, "wrong-type",
          what + " must be a mapping (key: value pairs)" + (n.IsNull() ? ", but it is empty" : ""));
    return m;
  }
  m.valid = true;
  m.fields.reserve(n.size());
  auto children = n.children();
  for (std::size_t c = 0; c + 1 < children.size(); c += 2) {
    const yaml::Node& k = children[c];
    const yaml::Node& v = children[c + 1];
    if (!k.IsScalar()) {
      error(pos(k, m.pos), "wrong-type", what + ": a key must be a plain word");
      continue;
    }
    m.fields.push_back({k.Scalar(), k, v});
  }
  return m;
}

void Loader::check_keys(const MapView& m, const std::vector<std::string>& allowed, const std::string& what,
                        bool secret_keys) {
  std::unordered_set<std::string_view> seen;
  for (const auto& f : m.fields) {
    bool known = std::find(allowed.begin(), allowed.end(), f.key) != allowed.end();
    if (!known) {
      // Under `password` a key could itself be the secret: never echo it.
      std::string msg = secret_keys ? what + " has an unknown key; expected one of " + join(allowed)
                                    : "unknown key " + quote(f.key) + " in " + what + did_you_mean(f.key, allowed);
      if (!secret_keys && did_you_mean(f.key, allowed).empty()) msg += "; expected one of " + join(allowed);
      error(pos(f.key_node, m.pos), "unknown-key", msg);
      // A misspelt `password` key still holds a password, and an unknown key under `password`
      // may be one: keep them out of the caret text.
      if (secret_keys) {
        auto mk = f.key_node.GetMark();
        if (!mk.is_null() && mk.pos >= 0) mask_value_lines(masked_, static_cast<std::size_t>(mk.pos));
      } else if (nearest(f.key, {"password"}) == "password") {
        auto mk = f.value.GetMark();
        if (!mk.is_null() && mk.pos >= 0) mask_value_lines(masked_, static_cast<std::size_t>(mk.pos));
      }
      continue;
    }
    if (!seen.insert(f.key).second)
      error(pos(f.key_node, m.pos), "duplicate-key",
            what + " has the key " + quote(f.key) + " twice; only one may stay");
  }
}

std::vector<yaml::Node> Loader::seq(const Field& f, const std::string& what) {
  std::vector<yaml::Node> items;
  if (f.value.IsNull()) return items;  // `key:` with nothing: an empty list
  if (!f.value.IsSequence()) {
    error(value_pos(f), "wrong-type", what + " must be a list");
    return items;
  }
  items = f.value.children();
  return items;
}

std::optional<std::string> Loader::scalar(const yaml::Node& v, const SourcePos& p, const std::string& what) {
  if (v.IsScalar()) return v.Scalar();
  error(p, "wrong-type",
        what + (v.IsNull() ? " has no value" : v.IsMap() ? " must be a single value, not a mapping"
                                                          : " must be a single value, not a list"));
  return std::nullopt;
}

std::optional<std::string> Loader::str(const MapView& m, std::string_view key, bool required,
                                       const std::string& ctx) {
  const Field* f = m.find(key);
  if (!f) {
    if (required) missing(m, key, ctx);
    return std::nullopt;
  }
  auto s = scalar(f->value, value_pos(*f), ctx + ": " + quote(key));
  if (s && s->empty()) {
    error(value_pos(*f), "bad-value", ctx + ": " + quote(key) + " must not be empty");
    return std::nullopt;
  }
  return s;
}

template <typename E>
std::optional<E> Loader::enumeration(const MapView& m, std::string_view key, bool required,
                                     const std::string& ctx) {
  auto word = str(m, key, required, ctx);
  if (!word) return std::nullopt;
  if (auto e = parse_enum<E>(*word)) return e;
  const auto& names = enum_names<E>();
  error(value_pos(*m.find(key)), "bad-enum",
        ctx + ": unknown " + std::string(key) + " " + quote(*word) + did_you_mean(*word, names) +
            "; expected one of " + join(names));
  return std::nullopt;
}

std::optional<Cidr> Loader::cidr(const yaml::Node& v, const SourcePos& p, const std::string& what) {
  auto text = scalar(v, p, what);
  if (!text) return std::nullopt;
  if (auto c = Cidr::parse(*text)) return c;
  if (auto loose = Cidr::parse(*text, false))
    error(p, "invalid-cidr",
          what + ": " + quote(*text) + " has host bits set beyond the prefix; did you mean " +
              quote(loose->str()) + "?");
  else
    error(p, "invalid-cidr", what + ": " + quote(*text) + " is not a CIDR block like 10.0.0.0/16");
  return std::nullopt;
}

std::optional<Cidr> Loader::cidr_field(const MapView& m, std::string_view key, bool required,
                                       const std::string& ctx) {
  const Field* f = m.find(key);
  if (!f) {
    if (required) missing(m, key, ctx);
    return std::nullopt;
  }
  return cidr(f->value, value_pos(*f), ctx + ": " + quote(key));
}

std::optional<Ipv4> Loader::address(const MapView& m, std::string_view key, bool required,
                                    const std::string& ctx) {
  const Field* f = m.find(key);
  if (!f) {
    if (required) missing(m, key, ctx);
    return std::nullopt;
  }
  auto text = scalar(f->value, value_pos(*f), ctx + ": " + quote(key));
  if (!text) return std::nullopt;
  if (auto a = Ipv4::parse(*text)) return a;
  error(value_pos(*f), "invalid-address",
        ctx + ": " + quote(key) + " " + quote(*text) + " is not an IPv4 address like 192.0.2.10");
  return std::nullopt;
}

std::optional<int> Loader::port(const MapView& m, std::string_view key, bool required, const std::string& ctx) {
  const Field* f = m.find(key);
  if (!f) {
    if (required) missing(m, key, ctx);
    return std::nullopt;
  }
  std::string text = f->value.IsScalar() ? f->value.Scalar() : std::string{};
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!f->value.IsScalar() || text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      value < 1 || value > 65535) {
    error(value_pos(*f), "bad-port",
          ctx + ": " + quote(key) + " must be a number in 1..65535" +
              (f->value.IsScalar() ? ", not " + quote(text) : std::string{}));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Loader::boolean(const MapView& m, std::string_view key, const std::string& ctx) {
  const Field* f = m.find(key);
  if (!f) return std::nullopt;
  auto text = scalar(f->value, value_pos(*f), ctx + ": " + quote(key));
  if (!text) return std::nullopt;
  static const std::vector<std::string> yes{"true", "True", "TRUE", "yes", "Yes", "on"},
      no{"false", "False", "FALSE", "no", "No", "off"};
  if (std::find(yes.begin(), yes.end(), *text) != yes.end()) return true;
  if (std::find(no.begin(), no.end(), *text) != no.end()) return false;
  error(value_pos(*f), "bad-value", ctx + ": " + quote(key) + " must be true or false, not " + quote(*text));
  return std::nullopt;
}

bool Loader::unique(std::unordered_map<std::string, SourcePos>& seen, const std::string& id, const SourcePos& p,
                    const std::string& what) {
  auto [it, inserted] = seen.emplace(id, p);
  if (inserted) return true;
  error(p, "duplicate-id",
        what + " " + quote(id) + " is defined twice (first at line " + std::to_string(it->second.line) +
            "); ids must be unique");
  return false;
}

void Loader::check_account(const Field& f, const std::string& id, const std::string& ctx) {
  if (!has_accounts_ || account_ids_.count(id)) return;
  error(value_pos(f), "unknown-account",
        ctx + ": account " + quote(id) + " is not listed under accounts" + hint(id, account_list_, "accounts"));
}

const Network* Loader::network_ref(const Field& f, const std::string& id, const std::string& ctx,
                                   const Topology& t) {
  auto it = networks_.find(id);
  if (it != networks_.end()) return &t.networks[it->second];
  error(value_pos(f), "unknown-network",
        ctx + ": no network " + quote(id) + " is defined" + hint(id, network_ids_, "networks"));
  return nullptr;
}

// --- root ------------------------------------------------------------------------------------

void Loader::load(const yaml::Node& root, Topology& t) {
  MapView m = map(root, "the topology", {file_, 1, 1});
  if (!m.valid) return;
  check_keys(m, {"version", "workspace", "accounts", "networks", "links", "resource_groups", "data_sources", "tasks"},
             "the topology");
  const std::string ctx = "the topology";
  if (const Field* f = m.find("version")) {
    auto text = scalar(f->value, value_pos(*f), "version");
    if (text) {
      if (*text == "1")
        t.version = 1;
      else
        error(value_pos(*f), "unsupported-version",
              "version " + quote(*text) + " is not supported; this syncpath reads version 1");
    }
  } else {
    missing(m, "version", ctx);
  }
  if (const Field* f = m.find("accounts")) read_accounts(*f, t);
  if (const Field* f = m.find("workspace"))
    read_workspace(*f, t);
  else
    missing(m, "workspace", ctx);
  if (const Field* f = m.find("networks")) read_networks(*f, t);
  if (const Field* f = m.find("links")) read_links(*f, t);
  for (const auto& p : pending_via_) {
    auto it = links_.find(p.link);
    auto broken = broken_links_.find(p.link);
    if (it == links_.end()) {
      error(p.pos, "unknown-link", p.ctx + ": no link " + quote(p.link) + " is defined" + hint(p.link, link_ids_, "links"));
    } else if (unusable_links_.count(p.link)) {
      continue;
    } else if (broken != broken_links_.end()) {
      const auto& names = broken->second.between;
      if (names[0] != p.network && names[1] != p.network) {
        auto described = [&](const std::string& end) {
          return quote(end) + (networks_.count(end) ? "" : " (not a defined network)");
        };
        d_.consequence(p.pos, broken->second.cause, "route-link-not-joined",
                       p.ctx + ": link " + quote(p.link) + " joins " + described(names[0]) + " and " +
                           described(names[1]) + ", not " + quote(p.network) +
                           "; fix the link's `between`, or route via a link that ends at this network");
      }
    } else if (t.links[it->second].other_end(p.network).empty()) {
      const auto& l = t.links[it->second];
      error(p.pos, "route-link-not-joined",
            p.ctx + ": link " + quote(p.link) + " joins " + quote(l.between[0]) + " and " + quote(l.between[1]) +
                ", not " + quote(p.network) + "; route via a link that ends at this network");
    }
  }
  check_link_overlaps(t);
  if (const Field* f = m.find("resource_groups")) read_groups(*f, t);
  if (const Field* f = m.find("data_sources")) read_sources(*f, t);
  if (const Field* f = m.find("tasks")) read_tasks(*f, t);
}

void Loader::read_accounts(const Field& f, Topology& t) {
  has_accounts_ = true;
  std::unordered_map<std::string, SourcePos> seen;
  std::size_t i = 0;
  for (const auto& n : seq(f, "accounts")) {
    std::string ctx = "accounts[" + std::to_string(i++) + "]";
    MapView m = map(n, ctx, value_pos(f));
    if (!m.valid) continue;
    auto id = str(m, "id", true, ctx);
    if (id) ctx = "account " + quote(*id);
    check_keys(m, {"id"}, ctx);
    if (!id) continue;
    if (!unique(seen, *id, value_pos(*m.find("id")), "account")) continue;
    account_ids_.insert(*id);
    account_list_.push_back(*id);
    t.accounts.push_back({*id, m.pos});
  }
}

void Loader::read_workspace(const Field& f, Topology& t) {
  const std::string ctx = "workspace";
  MapView m = map(f.value, ctx, value_pos(f));
  if (!m.valid) return;
  check_keys(m, {"name", "account", "region", "edition", "mode"}, ctx);
  Workspace& w = t.workspace;
  w.pos = m.pos;
  if (auto v = str(m, "name", true, ctx)) w.name = *v;
  if (auto v = str(m, "account", true, ctx)) {
    w.account = *v;
    check_account(*m.find("account"), *v, ctx);
  }
  if (auto v = str(m, "region", true, ctx)) w.region = *v;
  if (auto v = enumeration<Edition>(m, "edition", false, ctx)) w.edition = *v;
  if (auto v = enumeration<WorkspaceMode>(m, "mode", false, ctx)) w.mode = *v;
}

// --- networks --------------------------------------------------------------------------------

void Loader::read_networks(const Field& f, Topology& t) {
  auto items = seq(f, "networks");
  t.networks.reserve(items.size());
  network_ids_.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) read_network(items[i], i, t);
}

void Loader::read_network(const yaml::Node& n, std::size_t index, Topology& t) {
  std::string ctx = "networks[" + std::to_string(index) + "]";
  MapView m = map(n, ctx, pos(n));
  if (!m.valid) return;
  Network net;
  net.pos = m.pos;
  auto id = str(m, "id", true, ctx);
  if (id) ctx = "network " + quote(*id);
  check_keys(m, {"id", "kind", "account", "region", "cidr", "internet_nat", "vswitches", "routes"}, ctx);
  auto kind = enumeration<NetworkKind>(m, "kind", true, ctx);
  if (kind) net.kind = *kind;
  const bool is_vpc = kind == NetworkKind::vpc;
  const bool is_classic = kind == NetworkKind::classic;
  const bool needs_account = is_vpc || is_classic;
  if (auto v = str(m, "account", kind && needs_account, ctx)) {
    net.account = *v;
    check_account(*m.find("account"), *v, ctx);
  }
  if (auto v = str(m, "region", kind && needs_account, ctx)) net.region = *v;

  // cidr: one block or a list.
  if (const Field* cf = m.find("cidr")) {
    if (cf->value.IsSequence()) {
      for (const auto& item : seq(*cf, ctx + ": 'cidr'"))
        if (auto c = cidr(item, pos(item, value_pos(*cf)), ctx + ": 'cidr'")) net.cidrs.push_back(*c);
    } else if (auto c = cidr(cf->value, value_pos(*cf), ctx + ": 'cidr'")) {
      net.cidrs.push_back(*c);
    }
  } else if (kind && !is_classic) {
    missing(m, "cidr", ctx);
  }

  if (kind && !is_vpc) {
    not_for_kind(m, "vswitches", ctx, "is only for a vpc network: vSwitches live in VPCs");
    not_for_kind(m, "internet_nat", ctx, "is only for a vpc network");
  }
  if (is_classic) not_for_kind(m, "routes", ctx, "is not for a classic network: it has no route table of yours");

  if (const Field* vf = m.find("vswitches"); vf && (!kind || is_vpc)) {
    std::size_t vi = 0;
    for (const auto& item : seq(*vf, ctx + ": 'vswitches'")) {
      std::string vctx = ctx + ": vswitches[" + std::to_string(vi++) + "]";
      MapView vm = map(item, vctx, value_pos(*vf));
      if (!vm.valid) continue;
      VSwitch vs;
      vs.pos = vm.pos;
      auto vid = str(vm, "id", true, vctx);
      if (vid) vctx = "vswitch " + quote(*vid) + " of " + ctx;
      check_keys(vm, {"id", "zone", "cidr"}, vctx);
      if (auto z = str(vm, "zone", false, vctx)) vs.zone = *z;
      auto c = cidr_field(vm, "cidr", true, vctx);
      if (vid && !c) broken_vswitches_.insert(*vid);
      if (!vid || !c) continue;
      vs.id = *vid;
      vs.cidr = *c;
      // Ids are unique across all VPCs: check this network's earlier ones and accepted networks'.
      const VSwitch* first = net.find_vswitch(vs.id);
      if (auto owner = vswitch_owner_.find(vs.id); !first && owner != vswitch_owner_.end())
        first = t.networks[owner->second].find_vswitch(vs.id);
      if (first) {
        error(value_pos(*vm.find("id")), "duplicate-id",
              "vswitch " + quote(vs.id) + " is defined twice (first at line " + std::to_string(first->pos.line) +
                  "); ids must be unique");
        continue;
      }
      if (!net.cidrs.empty() &&
          std::none_of(net.cidrs.begin(), net.cidrs.end(), [&](const Cidr& nc) { return nc.contains(vs.cidr); }))
        error(value_pos(*vm.find("cidr")), "vswitch-outside-vpc",
              vctx + ": " + vs.cidr.str() + " is not inside the VPC's address space; pick a block inside it");
      net.vswitches.push_back(std::move(vs));
    }
    // Overlaps: sort by start address, then one sweep keeps the block reaching furthest.
    std::vector<std::size_t> order(net.vswitches.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& ca = net.vswitches[a].cidr;
      const auto& cb = net.vswitches[b].cidr;
      return ca.network() != cb.network() ? ca.network() < cb.network() : net.vswitches[a].pos.line < net.vswitches[b].pos.line;
    });
    std::optional<std::size_t> reach;
    for (std::size_t k : order) {
      const auto& v = net.vswitches[k];
      if (reach && net.vswitches[*reach].cidr.last() >= v.cidr.network()) {
        const auto& other = net.vswitches[*reach];
        const auto& later = v.pos.line >= other.pos.line ? v : other;
        const auto& earlier = v.pos.line >= other.pos.line ? other : v;
        error(later.pos, "vswitch-overlap",
              "vswitch " + quote(later.id) + " (" + later.cidr.str() + ") overlaps vswitch " + quote(earlier.id) +
                  " (" + earlier.cidr.str() + ") in " + ctx + "; vSwitches of one VPC need disjoint blocks");
        if (v.cidr.last() > other.cidr.last()) reach = k;
      } else {
        reach = k;
      }
    }
  }

  if (const Field* nf = m.find("internet_nat"); nf && (!kind || is_vpc)) {
    std::string nctx = ctx + ": internet_nat";
    MapView nm = map(nf->value, nctx, value_pos(*nf));
    if (nm.valid) {
      check_keys(nm, {"vswitch", "snat_eip"}, nctx);
      InternetNat nat;
      nat.pos = nm.pos;
      if (auto v = str(nm, "vswitch", true, nctx)) {
        nat.vswitch = *v;
        if (!net.find_vswitch(*v) && !broken_vswitches_.count(*v)) {
          std::vector<std::string> own;
          for (const auto& vs : net.vswitches) own.push_back(vs.id);
          error(value_pos(*nm.find("vswitch")), "unknown-vswitch",
                nctx + ": " + ctx + " has no vswitch " + quote(*v) + did_you_mean(*v, own));
        }
      }
      nat.snat_eip = address(nm, "snat_eip", false, nctx);
      net.internet_nat = nat;
    }
  }

  if (const Field* rf = m.find("routes"); rf && !is_classic) {
    std::size_t ri = 0;
    for (const auto& item : seq(*rf, ctx + ": 'routes'")) {
      std::string rctx = ctx + ": routes[" + std::to_string(ri++) + "]";
      MapView rm = map(item, rctx, value_pos(*rf));
      if (!rm.valid) continue;
      check_keys(rm, {"destination", "via"}, rctx);
      Route r;
      r.pos = rm.pos;
      auto dest = cidr_field(rm, "destination", true, rctx);
      auto via = str(rm, "via", true, rctx);
      if (via && id) pending_via_.push_back({*via, *id, value_pos(*rm.find("via")), rctx});
      if (!dest || !via) continue;
      r.destination = *dest;
      r.via = *via;
      net.routes.push_back(std::move(r));
    }
  }

  if (!id) return;
  if (*id == kInternet) {
    error(value_pos(*m.find("id")), "reserved-id",
          "the network id 'internet' is reserved for the Internet; a source on the Internet says `network: internet` "
          "and needs no network entry");
    return;
  }
  auto [it, inserted] = networks_.emplace(*id, t.networks.size());
  if (!inserted) {
    error(value_pos(*m.find("id")), "duplicate-id",
          "network " + quote(*id) + " is defined twice (first at line " +
              std::to_string(t.networks[it->second].pos.line) + "); ids must be unique");
    return;
  }
  net.id = *id;
  network_ids_.push_back(*id);
  // vSwitches become known only with their accepted network, so an index never dangles.
  for (const auto& vs : net.vswitches) vswitch_owner_.emplace(vs.id, t.networks.size());
  t.networks.push_back(std::move(net));
}

// --- links -----------------------------------------------------------------------------------

void Loader::read_links(const Field& f, Topology& t) {
  std::unordered_map<std::string, SourcePos> seen;
  std::size_t i = 0;
  for (const auto& n : seq(f, "links")) {
    std::string ctx = "links[" + std::to_string(i++) + "]";
    MapView m = map(n, ctx, value_pos(f));
    if (!m.valid) continue;
    Link l;
    l.pos = m.pos;
    auto id = str(m, "id", true, ctx);
    if (id) ctx = "link " + quote(*id);
    check_keys(m, {"id", "kind", "between", "accepted"}, ctx);
    if (auto k = enumeration<LinkKind>(m, "kind", true, ctx)) l.kind = *k;
    if (m.find("kind") && l.kind != LinkKind::vpc_peering)
      not_for_kind(m, "accepted", ctx, "is only for a vpc_peering link: only a peering waits for acceptance");
    else if (auto a = boolean(m, "accepted", ctx))
      l.accepted = *a;
    bool ends_ok = false;
    std::optional<SourcePos> broken_end;  // the first end that names no network
    if (const Field* bf = m.find("between")) {
      auto ends = seq(*bf, ctx + ": 'between'");
      if (bf->value.IsSequence() && ends.size() != 2) {
        error(value_pos(*bf), "bad-value",
              ctx + ": 'between' must name exactly two networks, not " + std::to_string(ends.size()));
      } else if (ends.size() == 2) {
        ends_ok = true;
        for (std::size_t k = 0; k < 2; ++k) {
          Field ef{"between", bf->key_node, ends[k]};
          auto end = scalar(ends[k], value_pos(ef), ctx + ": 'between'");
          if (!end) {
            ends_ok = false;
            continue;
          }
          l.between[k] = *end;
          if (*end == kInternet) {
            error(value_pos(ef), "unknown-network",
                  ctx + ": a link joins two of your networks; the Internet is not one");
            ends_ok = false;
            if (!broken_end) broken_end = value_pos(ef);
          } else if (!network_ref(ef, *end, ctx, t)) {
            ends_ok = false;
            if (!broken_end) broken_end = value_pos(ef);
          }
        }
        if (ends_ok && l.between[0] == l.between[1]) {
          error(value_pos(*bf), "link-same-network",
                ctx + " joins " + quote(l.between[0]) + " to itself; a link joins two different networks");
          ends_ok = false;
        }
      }
    } else {
      missing(m, "between", ctx);
    }
    if (!id) continue;
    if (!unique(seen, *id, value_pos(*m.find("id")), "link")) continue;
    l.id = *id;
    links_.emplace(*id, t.links.size());
    link_ids_.push_back(*id);
    if (!ends_ok) {
      // The model never holds a link that dangles; routes via it are still checked against
      // the names as written, as consequences of the broken end.
      if (broken_end && !l.between[0].empty() && !l.between[1].empty())
        broken_links_.emplace(*id, BrokenLink{l.between, *broken_end});
      else
        unusable_links_.insert(*id);  // no `between` to check a route against: its own error says why
      l.between = {"", ""};
    }
    t.links.push_back(std::move(l));
  }
}

void Loader::check_link_overlaps(const Topology& t) {
  for (const auto& l : t.links) {
    if (l.between[0].empty()) continue;
    auto a = networks_.find(l.between[0]);
    auto b = networks_.find(l.between[1]);
    if (a == networks_.end() || b == networks_.end()) continue;
    const Network& na = t.networks[a->second];
    const Network& nb = t.networks[b->second];
    for (const auto& ca : na.cidrs)
      for (const auto& cb : nb.cidrs)
        if (ca.overlaps(cb)) {
          error(l.pos, "link-address-overlap",
                "link " + quote(l.id) + " joins " + quote(na.id) + " (" + ca.str() + ") and " + quote(nb.id) + " (" +
                    cb.str() + "), whose address spaces overlap: routing between them cannot work; renumber one side");
          goto next_link;
        }
  next_link:;
  }
}

// --- resource groups -------------------------------------------------------------------------

void Loader::read_groups(const Field& f, Topology& t) {
  auto items = seq(f, "resource_groups");
  t.resource_groups.reserve(items.size());
  std::unordered_map<std::string, SourcePos> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::size_t before = t.resource_groups.size();
    read_group(items[i], i, t);
    if (t.resource_groups.size() > before) {
      auto& g = t.resource_groups.back();
      if (!unique(seen, g.id, g.pos, "resource group")) t.resource_groups.pop_back();
    }
  }
}

void Loader::read_group(const yaml::Node& n, std::size_t index, Topology& t) {
  std::string ctx = "resource_groups[" + std::to_string(index) + "]";
  MapView m = map(n, ctx, pos(n));
  if (!m.valid) return;
  ResourceGroup g;
  g.pos = m.pos;
  auto id = str(m, "id", true, ctx);
  if (id) ctx = "resource group " + quote(*id);
  check_keys(m, {"id", "kind", "purpose", "region", "eip", "attachments", "routes", "hosts"}, ctx);
  auto kind = enumeration<GroupKind>(m, "kind", true, ctx);
  if (kind) g.kind = *kind;
  // Serverless and shared groups serve Data Integration and scheduling alike; exclusive and
  // custom groups are bought or set up for one of them, Data Integration unless it says so.
  g.purpose = g.kind == GroupKind::serverless || g.kind == GroupKind::shared ? GroupPurpose::general
                                                                              : GroupPurpose::data_integration;
  if (auto p = enumeration<GroupPurpose>(m, "purpose", false, ctx)) g.purpose = *p;
  const bool attachable = kind == GroupKind::serverless || kind == GroupKind::exclusive;
  const bool custom = kind == GroupKind::custom;
  if (auto v = str(m, "region", false, ctx))
    g.region = *v;
  else if (!custom)
    g.region = t.workspace.region;  // managed groups run in the workspace's region
  g.eip = address(m, "eip", false, ctx);

  if (kind && !attachable)
    not_for_kind(m, "attachments", ctx,
                 "is only for serverless and exclusive groups: only they are associated with a VPC");
  if (kind && !custom) not_for_kind(m, "hosts", ctx, "is only for a custom group: the others are managed servers");
  if (kind == GroupKind::shared)
    not_for_kind(m, "routes", ctx, "is not for a shared group: it reaches only the Internet");

  if (custom && t.workspace.edition < Edition::professional && m.find("kind"))
    warning(value_pos(*m.find("kind")), "custom-group-edition",
            ctx + ": custom resource groups need the professional edition or higher; the workspace is " +
                std::string(to_string(t.workspace.edition)) + ", so the plan will say upgrade_edition");

  if (const Field* af = m.find("attachments"); af && (!kind || attachable)) {
    std::size_t ai = 0;
    for (const auto& item : seq(*af, ctx + ": 'attachments'")) {
      std::string actx = ctx + ": attachments[" + std::to_string(ai++) + "]";
      MapView am = map(item, actx, value_pos(*af));
      if (!am.valid) continue;
      check_keys(am, {"network", "vswitch", "scope"}, actx);
      Attachment a;
      a.pos = am.pos;
      if (auto s = enumeration<AttachScope>(am, "scope", false, actx)) a.scope = *s;
      auto net_id = str(am, "network", true, actx);
      auto vsw = str(am, "vswitch", true, actx);
      const Network* net = net_id ? network_ref(*am.find("network"), *net_id, actx, t) : nullptr;
      if (net && net->kind != NetworkKind::vpc) {
        error(value_pos(*am.find("network")), "attachment-not-vpc",
              actx + ": " + quote(net->id) + " is a " + std::string(to_string(net->kind)) +
                  " network; a resource group is associated with a VPC only");
        net = nullptr;
      }
      if (net && vsw && !net->find_vswitch(*vsw) && !broken_vswitches_.count(*vsw)) {
        auto owner = vswitch_owner_.find(*vsw);
        std::vector<std::string> own;
        for (const auto& vs : net->vswitches) own.push_back(vs.id);
        if (owner != vswitch_owner_.end())
          error(value_pos(*am.find("vswitch")), "attachment-vswitch-not-in-network",
                actx + ": vswitch " + quote(*vsw) + " belongs to " + quote(t.networks[owner->second].id) +
                    ", not to the attached network " + quote(net->id) + did_you_mean(*vsw, own));
        else
          error(value_pos(*am.find("vswitch")), "unknown-vswitch",
                actx + ": " + quote(net->id) + " has no vswitch " + quote(*vsw) + did_you_mean(*vsw, own));
      }
      if (net && attachable && !t.workspace.region.empty() && net->region != t.workspace.region)
        warning(value_pos(*am.find("network")), "attachment-cross-region",
                actx + ": VPC " + quote(net->id) + " is in " + net->region + " but the workspace is in " +
                    t.workspace.region + "; a " + std::string(to_string(g.kind)) +
                    " group is associated with a VPC of the workspace's region");
      if (net_id) a.network = *net_id;
      if (vsw) a.vswitch = *vsw;
      g.attachments.push_back(std::move(a));
    }
  }

  if (const Field* rf = m.find("routes"); rf && kind != GroupKind::shared) {
    std::size_t ri = 0;
    for (const auto& item : seq(*rf, ctx + ": 'routes'")) {
      std::string rctx = ctx + ": routes[" + std::to_string(ri++) + "]";
      MapView rm = map(item, rctx, value_pos(*rf));
      if (!rm.valid) continue;
      check_keys(rm, {"destination", "network"}, rctx);
      GroupRoute r;
      r.pos = rm.pos;
      auto dest = cidr_field(rm, "destination", true, rctx);
      auto net_id = str(rm, "network", true, rctx);
      if (net_id) network_ref(*rm.find("network"), *net_id, rctx, t);
      if (!dest || !net_id) continue;
      r.destination = *dest;
      r.network = *net_id;
      g.routes.push_back(std::move(r));
    }
  }

  if (const Field* hf = m.find("hosts"); hf && (!kind || custom)) {
    std::unordered_map<std::string, SourcePos> seen;
    std::size_t hi = 0;
    for (const auto& item : seq(*hf, ctx + ": 'hosts'")) {
      std::string hctx = ctx + ": hosts[" + std::to_string(hi++) + "]";
      MapView hm = map(item, hctx, value_pos(*hf));
      if (!hm.valid) continue;
      Host h;
      h.pos = hm.pos;
      auto name = str(hm, "name", true, hctx);
      if (name) hctx = "host " + quote(*name) + " of " + ctx;
      check_keys(hm, {"name", "network", "ip", "public_ip"}, hctx);
      auto net_id = str(hm, "network", true, hctx);
      h.ip = address(hm, "ip", false, hctx);
      h.public_ip = address(hm, "public_ip", false, hctx);
      const Network* net = nullptr;
      if (net_id) net = network_ref(*hm.find("network"), *net_id, hctx, t);  // a host sits in one of the networks
      if (net && h.ip && !net->cidrs.empty() && !net->contains(*h.ip))
        error(value_pos(*hm.find("ip")), "address-outside-network",
              hctx + ": ip " + h.ip->str() + " is not inside network " + quote(net->id) +
                  "'s address space; fix the address or the network");
      if (!name) continue;
      if (!unique(seen, *name, value_pos(*hm.find("name")), "host")) continue;
      h.name = *name;
      if (net_id) h.network = *net_id;
      g.hosts.push_back(std::move(h));
    }
  }

  if (!id) return;
  if (!kind) {  // not in the model: references to it are not reported again
    broken_groups_.insert(*id);
    return;
  }
  g.id = *id;
  t.resource_groups.push_back(std::move(g));
}

// --- data sources ----------------------------------------------------------------------------

void Loader::read_sources(const Field& f, Topology& t) {
  auto items = seq(f, "data_sources");
  t.data_sources.reserve(items.size());
  std::unordered_map<std::string, SourcePos> seen;
  seen.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::size_t before = t.data_sources.size();
    read_source(items[i], i, t);
    if (t.data_sources.size() > before) {
      auto& s = t.data_sources.back();
      if (!unique(seen, s.name, s.pos, "data source")) t.data_sources.pop_back();
    }
  }
}

std::optional<Endpoint> Loader::read_endpoint(const Field& f, const std::string& ctx, bool public_side) {
  std::string ectx = ctx + ": " + (public_side ? "public_endpoint" : "endpoint");
  MapView m = map(f.value, ectx, value_pos(f));
  if (!m.valid) return std::nullopt;
  check_keys(m, {"host", "ip", "port"}, ectx);
  Endpoint e;
  e.pos = m.pos;
  if (auto h = str(m, "host", false, ectx)) {
    if (h->find(':') != std::string::npos || h->front() == '[')
      error(value_pos(*m.find("host")), "invalid-address",
            ectx + ": host " + quote(*h) + " is an IPv6 address; syncpath reaches sources over IPv4: give a DNS "
                   "name, or the IPv4 address as `ip`");
    else
      e.host = *h;
  }
  e.ip = address(m, "ip", false, ectx);
  auto p = port(m, "port", true, ectx);
  if (!m.find("host") && !m.find("ip"))
    error(m.pos, "missing-key", ectx + " needs a 'host' (DNS name) or an 'ip'");
  // Kept even with a bad port so the address checks still run (every problem in one pass);
  // the topology is invalid then anyway.
  e.port = p.value_or(0);
  return e;
}

SecretRef Loader::read_password(const Field& f, const std::string& ctx) {
  SecretRef ref;
  ref.pos = value_pos(f);
  const std::string pctx = ctx + ": password";
  if (f.value.IsScalar()) {
    ref.kind = SecretRef::Kind::literal;
    ref.value = f.value.Scalar();
    // Blank the value in the caret text: from the value's start to the end of its line.
    auto mk = f.value.GetMark();
    if (!mk.is_null() && mk.pos >= 0) mask_value_lines(masked_, static_cast<std::size_t>(mk.pos));
    warning(ref.pos, "literal-password",
            pctx + " is written in the topology file; use {env: NAME} or {file: PATH} instead");
    if (ref.value.find('@') != std::string::npos)
      warning(ref.pos, "password-at-sign", pctx + " contains '@', which the service rejects; change the password");
    return ref;
  }
  MapView m = map(f.value, pctx, value_pos(f));
  if (!m.valid) return ref;
  check_keys(m, {"env", "file"}, pctx, true);
  auto env = str(m, "env", false, pctx);
  auto file = str(m, "file", false, pctx);
  if (env && file) {
    error(m.pos, "bad-value", pctx + " names both 'env' and 'file'; keep one");
  } else if (env) {
    ref.kind = SecretRef::Kind::env;
    ref.value = *env;
  } else if (file) {
    ref.kind = SecretRef::Kind::file;
    ref.value = *file;
  } else if (!m.find("env") && !m.find("file")) {
    error(m.pos, "missing-key", pctx + " needs 'env' (a variable name) or 'file' (a path)");
  }
  return ref;
}

void Loader::read_source(const yaml::Node& n, std::size_t index, Topology& t) {
  std::string ctx = "data_sources[" + std::to_string(index) + "]";
  MapView m = map(n, ctx, pos(n));
  if (!m.valid) return;
  DataSource s;
  s.pos = m.pos;
  auto name = str(m, "name", true, ctx);
  if (name) ctx = "data source " + quote(*name);
  check_keys(m,
             {"name", "type", "environment", "instance", "account", "network", "vswitch", "endpoint",
              "public_endpoint", "whitelist", "security_group", "database", "username", "password", "standby",
              "path"},
             ctx);
  auto type = enumeration<SourceType>(m, "type", true, ctx);
  if (type) s.type = *type;
  const bool file_based = type && is_file_based(*type);
  if (auto e = enumeration<Environment>(m, "environment", false, ctx)) s.environment = *e;

  if (const Field* inf = m.find("instance")) {
    std::string ictx = ctx + ": instance";
    MapView im = map(inf->value, ictx, value_pos(*inf));
    if (im.valid) {
      check_keys(im, {"kind", "id"}, ictx);
      if (auto k = enumeration<InstanceKind>(im, "kind", false, ictx)) s.instance_kind = *k;
      if (auto v = str(im, "id", false, ictx)) s.instance_id = *v;
    }
  }

  if (file_based) {
    std::string why = "is not for a file-based source: it lives on the group's host and has a 'path'";
    for (const char* k : {"network", "vswitch", "endpoint", "public_endpoint", "whitelist", "security_group"})
      not_for_kind(m, k, ctx, why);
    if (auto p = str(m, "path", true, ctx)) s.path = *p;
  } else if (type) {
    not_for_kind(m, "path", ctx, "is only for file-based sources (sqlite, csv)");
  }

  const Network* net = nullptr;
  if (!file_based) {
    if (auto v = str(m, "network", static_cast<bool>(type), ctx)) {
      s.network = *v;
      if (*v != kInternet) net = network_ref(*m.find("network"), *v, ctx, t);
    }
    if (s.network == kInternet) not_for_kind(m, "vswitch", ctx, "is not for a source on the Internet");
    if (auto v = str(m, "vswitch", false, ctx); v && s.network != kInternet) {
      s.vswitch = *v;
      if (net && !net->find_vswitch(*v) && !broken_vswitches_.count(*v)) {
        std::vector<std::string> own;
        for (const auto& vs : net->vswitches) own.push_back(vs.id);
        error(value_pos(*m.find("vswitch")), "unknown-vswitch",
              ctx + ": network " + quote(net->id) + " has no vswitch " + quote(*v) + did_you_mean(*v, own));
      }
    }
    if (const Field* ef = m.find("endpoint")) {
      s.endpoint = read_endpoint(*ef, ctx, false);
      if (s.endpoint && s.endpoint->ip && net && !net->cidrs.empty()) {
        // Point at the ip value itself.
        SourcePos ip_pos = s.endpoint->pos;
        auto kids = ef->value.children();
        for (std::size_t c = 0; c + 1 < kids.size(); c += 2)
          if (kids[c].IsScalar() && kids[c].Scalar() == "ip") ip_pos = pos(kids[c + 1], ip_pos);
        if (!net->contains(*s.endpoint->ip)) {
          error(ip_pos, "address-outside-network",
                ctx + ": endpoint ip " + s.endpoint->ip->str() + " is not inside network " + quote(net->id) +
                    "'s address space; fix the address or the network");
        } else if (const VSwitch* vs = s.vswitch.empty() ? nullptr : net->find_vswitch(s.vswitch);
                   vs && !vs->cidr.contains(*s.endpoint->ip)) {
          error(ip_pos, "address-outside-vswitch",
                ctx + ": endpoint ip " + s.endpoint->ip->str() + " is not inside vswitch " + quote(vs->id) + " (" +
                    vs->cidr.str() + "); fix the address or the vswitch");
        }
      }
    } else if (type) {
      missing(m, "endpoint", ctx);
    }
    if (const Field* pf = m.find("public_endpoint")) s.public_endpoint = read_endpoint(*pf, ctx, true);
  }

  if (auto v = str(m, "account", false, ctx)) {
    s.account = *v;
    check_account(*m.find("account"), *v, ctx);
  } else if (net) {
    s.account = net->account;
  }

  const bool on_internet = s.network == kInternet || s.public_endpoint.has_value();
  if (const Field* wf = m.find("whitelist"); wf && !file_based) {
    std::vector<Cidr> list;
    if (wf->value.IsScalar() && wf->value.Scalar() == "any") {
      s.whitelist_any = true;
      list.push_back(Cidr());  // 0.0.0.0/0
      if (on_internet)
        warning(value_pos(*wf), "open-to-all",
                ctx + ": `whitelist: any` on a source reachable from the Internet admits the whole Internet; "
                      "list the resource groups' egress CIDRs instead");
    } else if (wf->value.IsScalar()) {
      error(value_pos(*wf), "wrong-type",
            ctx + ": 'whitelist' must be a list of CIDR blocks, or `any` for a source that admits every address");
    } else {
      for (const auto& item : seq(*wf, ctx + ": 'whitelist'")) {
        auto c = cidr(item, pos(item, value_pos(*wf)), ctx + ": whitelist entry");
        if (!c) continue;
        if (c->prefix() == 0)
          warning(pos(item, value_pos(*wf)), "open-to-all",
                  ctx + ": whitelist entry 0.0.0.0/0 admits every address, the whole Internet included; list the "
                        "resource groups' egress CIDRs, or write `whitelist: any` if the source is meant to be open");
        list.push_back(*c);
      }
    }
    s.whitelist = std::move(list);
  } else if (!file_based && type && !has_default_whitelist(s.instance_kind) && !s.network.empty()) {
    warning(m.pos, "whitelist-not-modelled",
            ctx + " has no 'whitelist', so the plan cannot tell whether it admits the resource groups: list its "
                  "whitelist, or write `whitelist: any` if it has none");
  }

  if (const Field* sf = m.find("security_group"); sf && !file_based) {
    std::string sctx = ctx + ": security_group";
    MapView sm = map(sf->value, sctx, value_pos(*sf));
    if (sm.valid) {
      check_keys(sm, {"ingress"}, sctx);
      std::vector<SecurityRule> rules;
      if (const Field* inf = sm.find("ingress")) {
        std::size_t ri = 0;
        for (const auto& item : seq(*inf, sctx + ": 'ingress'")) {
          std::string rctx = sctx + ": ingress[" + std::to_string(ri++) + "]";
          MapView rm = map(item, rctx, value_pos(*inf));
          if (!rm.valid) continue;
          check_keys(rm, {"protocol", "port", "source"}, rctx);
          SecurityRule r;
          r.pos = rm.pos;
          static const std::vector<std::string> kProtocols{"tcp", "udp", "all"};
          if (auto p = str(rm, "protocol", false, rctx)) {
            if (std::find(kProtocols.begin(), kProtocols.end(), *p) == kProtocols.end()) {
              error(value_pos(*rm.find("protocol")), "bad-enum",
                    rctx + ": unknown protocol " + quote(*p) + did_you_mean(*p, kProtocols) + "; expected one of " +
                        join(kProtocols));
              continue;
            }
            r.protocol = *p;
          }
          auto p = port(rm, "port", r.protocol != "all", rctx);
          auto src = cidr_field(rm, "source", true, rctx);
          if ((!p && r.protocol != "all") || !src) continue;
          r.port = p.value_or(0);
          r.source = *src;
          if (src->prefix() == 0)
            warning(value_pos(*rm.find("source")), "open-to-all",
                    rctx + ": source 0.0.0.0/0 opens the port to every address, the whole Internet included; "
                           "admit the resource groups' egress CIDRs instead");
          rules.push_back(std::move(r));
        }
      }
      s.security_group = std::move(rules);
    }
  }

  if (auto v = str(m, "database", false, ctx)) s.database = *v;
  if (auto v = str(m, "username", false, ctx)) s.username = *v;
  if (const Field* pf = m.find("password")) s.password = read_password(*pf, ctx);

  if (const Field* bf = m.find("standby")) {
    std::string bctx = ctx + ": standby";
    MapView bm = map(bf->value, bctx, value_pos(*bf));
    if (bm.valid) {
      check_keys(bm, {"enabled", "instance"}, bctx);
      if (auto e = boolean(bm, "enabled", bctx)) s.standby.enabled = *e;
      if (auto v = str(bm, "instance", false, bctx)) s.standby.instance = *v;
    }
  }

  if (name && !type) broken_sources_.insert(*name);
  if (!name || !type) return;
  s.name = *name;
  t.data_sources.push_back(std::move(s));
}

// --- tasks -----------------------------------------------------------------------------------

void Loader::read_tasks(const Field& f, Topology& t) {
  t.index();  // tasks look groups and sources up by name
  std::unordered_map<std::string, SourcePos> seen;
  std::vector<std::string> group_ids, source_names;
  for (const auto& g : t.resource_groups) group_ids.push_back(g.id);
  for (const auto& s : t.data_sources) source_names.push_back(s.name);
  std::size_t i = 0;
  for (const auto& n : seq(f, "tasks")) {
    std::string ctx = "tasks[" + std::to_string(i++) + "]";
    MapView m = map(n, ctx, value_pos(f));
    if (!m.valid) continue;
    Task task;
    task.pos = m.pos;
    auto name = str(m, "name", true, ctx);
    if (name) ctx = "task " + quote(*name);
    check_keys(m, {"name", "source", "destination", "integration_group", "scheduling_group"}, ctx);
    bool ok = name.has_value();
    for (auto [key, field] : {std::pair{"source", &task.source}, std::pair{"destination", &task.destination}}) {
      auto v = str(m, key, true, ctx);
      if (!v) {
        ok = false;
        continue;
      }
      *field = *v;
      if (!t.find_source(*v) && !broken_sources_.count(*v)) {
        error(value_pos(*m.find(key)), "unknown-source",
              ctx + ": no data source " + quote(*v) + " is defined" + hint(*v, source_names, "data_sources"));
        ok = false;
      }
    }
    struct Role {
      const char* key;
      std::string* field;
      bool (*can)(GroupPurpose);
      const char* work;
    };
    for (const Role& role : {Role{"integration_group", &task.integration_group, &runs_tasks, "run Data Integration tasks"},
                             Role{"scheduling_group", &task.scheduling_group, &schedules_tasks, "issue (schedule) tasks"}}) {
      auto v = str(m, role.key, true, ctx);
      if (!v) {
        ok = false;
        continue;
      }
      *role.field = *v;
      const ResourceGroup* g = t.find_group(*v);
      if (!g) {
        if (!broken_groups_.count(*v))
          error(value_pos(*m.find(role.key)), "unknown-group",
                ctx + ": no resource group " + quote(*v) + " is defined" + hint(*v, group_ids, "resource_groups"));
        ok = false;
      } else if (!role.can(g->purpose)) {
        error(value_pos(*m.find(role.key)), "task-group-purpose",
              ctx + ": " + quote(*v) + " is a resource group for " + std::string(to_string(g->purpose)) +
                  ", which cannot " + role.work + "; name a group whose `purpose` is " +
                  (role.can == &runs_tasks ? "data_integration" : "scheduling") + " or general");
        ok = false;
      }
    }
    if (!ok) continue;
    if (!unique(seen, *name, value_pos(*m.find("name")), "task")) continue;
    task.name = *name;
    t.tasks.push_back(std::move(task));
  }
}

}  // namespace

LoadResult load_topology_text(const std::string& text, const std::string& file) {
  LoadResult r;
  r.source_text = text;
  mask_password_lines(r.source_text);
  if (auto bad = first_non_text_byte(text)) {
    int line = 1, col = 1;
    for (std::size_t i = 0; i < *bad; ++i) {
      if (text[i] == '\n') ++line, col = 1;
      else ++col;
    }
    r.source_text.clear();  // nothing to draw carets under
    r.diagnostics.error({file, line, col}, "not-text",
                        "the file is not UTF-8 text (byte " + std::to_string(*bad) +
                            " is not); a topology is a YAML text file");
    return r;
  }
  yaml::Document doc;
  yaml::ParseError perr;
  if (!doc.parse(text, perr)) {
    r.diagnostics.error(source_pos(file, perr.mark), "yaml-syntax", "the file is not valid YAML: " + perr.message);
    return r;
  }
  yaml::Node root = doc.root();
  if (!root.IsDefined() || (doc.documents() == 1 && root.IsNull())) {
    r.diagnostics.error({file, 0, 0}, "empty-file",
                        "the file holds no topology; start with `version: 1` and a `workspace:`");
    return r;
  }
  Topology t;
  t.file = file;
  t.base_dir = std::filesystem::path(file).parent_path().string();
  if (doc.documents() > 1) {
    r.diagnostics.error(source_pos(file, doc.second_document()), "multiple-documents",
                        "the file holds " + std::to_string(doc.documents()) +
                            " YAML documents; a topology is one document (remove the extra `---`)");
  }
  Loader loader(file, r.diagnostics, r.source_text);
  loader.load(root, t);
  t.index();
  r.topology = std::move(t);
  r.diagnostics.sort();
  return r;
}

LoadResult load_topology_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult r;
    r.diagnostics.error({path, 0, 0}, "not-readable", "is a directory; give the topology file's path");
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.diagnostics.error({path, 0, 0}, "not-readable", "cannot open the file; check the path and its permissions");
    return r;
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    LoadResult r;
    r.diagnostics.error({path, 0, 0}, "not-readable", "reading the file failed");
    return r;
  }
  return load_topology_text(s.str(), path);
}

}  // namespace syncpath
