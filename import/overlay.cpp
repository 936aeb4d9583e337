// The overlay: a small YAML in the topology file's vocabulary, merged on top of what the import
// wrote, for what the input cannot know (the workspace, account names, a custom group's hosts,
// a database's name and user). Items are matched by `id` (a data source by `name`): a mapping
// is merged key by key, deeper mappings too; a list or a value replaces the imported one; an
// item of a new id is added. Literal passwords are dropped, never written.
#include "overlay.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace syncpath::import {

namespace {

SourcePos pos(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};  // yaml-cpp marks are 0-based
}

YNode convert(const YAML::Node& n, const std::string& comment) {
  if (n.IsMap()) {
    YNode m = YNode::map(n.Style() == YAML::EmitterStyle::Flow);
    for (const auto& kv : n) m.set(kv.first.Scalar(), convert(kv.second, ""));
    m.comment = comment;
    return m;
  }
  if (n.IsSequence()) {
    YNode s = YNode::seq(n.Style() == YAML::EmitterStyle::Flow);
    for (const auto& item : n) s.push(convert(item, comment));
    return s;
  }
  YNode s = YNode::scalar(n.IsNull() ? "" : n.Scalar());
  return s;
}

std::string key_of(const YNode& item) {
  if (item.kind != YNode::Kind::map) return "";
  for (const char* k : {"id", "name"})
    for (const auto& [key, v] : item.entries)
      if (key == k && v.kind == YNode::Kind::scalar) return v.text;
  return "";
}

bool keyed(const YNode& seq) {
  if (seq.kind != YNode::Kind::seq || seq.items.empty()) return false;
  for (const auto& item : seq.items)
    if (key_of(item).empty()) return false;
  return true;
}

}  // namespace

void merge_overlay(YNode& dst, const YNode& src) {
  if (dst.kind == YNode::Kind::map && src.kind == YNode::Kind::map) {
    for (const auto& [k, v] : src.entries) {
      YNode* d = dst.find(k);
      if (!d) {
        dst.set(k, v);
        continue;
      }
      merge_overlay(*d, v);
    }
    return;
  }
  if (dst.kind == YNode::Kind::seq && src.kind == YNode::Kind::seq && keyed(src) && (dst.items.empty() || keyed(dst))) {
    for (const auto& item : src.items) {
      std::string key = key_of(item);
      YNode* match = nullptr;
      for (auto& d : dst.items)
        if (key_of(d) == key) match = &d;
      if (match) {
        std::string c = match->comment;
        merge_overlay(*match, item);
        match->comment = c.empty() ? item.comment : c + "; " + item.comment;
      } else {
        dst.push(item);
      }
    }
    return;
  }
  std::string c = dst.comment;
  dst = src;
  if (dst.comment.empty()) dst.comment = c;
}

bool read_overlay(const std::string& path, Overlay& out, Diagnostics& d) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.error({path, 0, 0}, "not-readable", "cannot open the overlay file");
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(buf.str());
  } catch (const YAML::Exception& e) {
    d.error({path, e.mark.line + 1, e.mark.column + 1}, "overlay-syntax", "the overlay is not valid YAML: " + e.msg);
    return false;
  }
  if (root.IsNull()) return true;  // an empty overlay adds nothing
  if (!root.IsMap()) {
    d.error(pos(path, root), "overlay-wrong-type", "the overlay must be a mapping (workspace:, networks:, data_sources:, ...)");
    return false;
  }
  static const std::vector<std::string> kKeys{"version", "workspace", "default_account", "owners", "accounts", "networks",
                                              "links", "resource_groups", "data_sources"};
  bool ok = true;
  const std::string comment = "overlay " + path;
  out.tree = YNode::map();
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      std::string hint = nearest(key, kKeys);
      d.error(pos(path, kv.first), "overlay-unknown-key",
              "the overlay has no key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      ok = false;
      continue;
    }
    if (key == "version") continue;
    if (key == "workspace") {
      if (!v.IsMap()) {
        d.error(pos(path, v), "overlay-wrong-type", "workspace: expected a mapping");
        ok = false;
        continue;
      }
      for (const auto& w : v) {
        std::string k = w.first.Scalar();
        std::string val = w.second.IsScalar() ? w.second.Scalar() : "";
        if (k == "name") out.workspace_name = val;
        else if (k == "account") out.workspace_account = val;
        else if (k == "region") out.workspace_region = val;
        else if (k == "edition") out.edition = val;
        else if (k == "mode") out.mode = val;
        else {
          d.error(pos(path, w.first), "overlay-unknown-key", "workspace has no key '" + k + "'");
          ok = false;
        }
      }
      continue;
    }
    if (key == "default_account") {
      out.default_account = v.IsScalar() ? v.Scalar() : "";
      continue;
    }
    if (key == "owners") {
      if (!v.IsMap()) {
        d.error(pos(path, v), "overlay-wrong-type", "owners: expected a mapping of cloud account ids (UIDs) to account ids");
        ok = false;
        continue;
      }
      for (const auto& o : v) out.owners[o.first.Scalar()] = o.second.IsScalar() ? o.second.Scalar() : "";
      continue;
    }
    if (!v.IsSequence()) {
      d.error(pos(path, v), "overlay-wrong-type", key + ": expected a list of items");
      ok = false;
      continue;
    }
    YNode items = YNode::seq();
    for (const auto& item : v) {
      if (!item.IsMap()) {
        d.error(pos(path, item), "overlay-wrong-type", key + ": each item is a mapping");
        ok = false;
        continue;
      }
      YNode n = convert(item, comment);
      std::string id = key_of(n);
      if (id.empty()) {
        d.error(pos(path, item), "overlay-missing-key", key + ": each item needs its `" + std::string(key == "data_sources" ? "name" : "id") + "`");
        ok = false;
        continue;
      }
      if (key == "networks") out.networks.insert(id);
      if (key == "resource_groups")
        if (const YNode* k = n.find("kind"); k && k->text == "custom") out.custom_group = true;
      if (key == "data_sources") {
        // A literal password would be written into the topology: drop it (never echo it).
        if (YNode* p = n.find("password"); p && p->kind == YNode::Kind::scalar) {
          d.warning(pos(path, item["password"]), "secret-dropped",
                    "data source '" + id + "': a literal password is not written into the topology; use password: {env: NAME} or {file: PATH}");
          n.entries.erase(std::remove_if(n.entries.begin(), n.entries.end(), [](const auto& e) { return e.first == "password"; }),
                          n.entries.end());
        }
        const YNode* inst = n.find("instance");
        const YNode* kind = inst ? const_cast<YNode*>(inst)->find("kind") : nullptr;
        const YNode* iid = inst ? const_cast<YNode*>(inst)->find("id") : nullptr;
        if (kind && kind->text == "ecs" && iid && !iid->text.empty()) {
          HostedSource h;
          h.name = id;
          h.instance_id = iid->text;
          if (const YNode* t = n.find("type")) h.type = t->text;
          if (YNode* e = n.find("endpoint"))
            if (const YNode* p = e->find("port")) {
              try {
                h.port = std::stoi(p->text);
              } catch (...) {
                h.port = 0;
              }
            }
          out.hosted_sources.push_back(h);
        }
      }
      items.push(std::move(n));
    }
    out.tree.set(key, items);
  }
  return ok;
}

}  // namespace syncpath::import
