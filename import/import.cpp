#include "import.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "assemble.hpp"
#include "loader.hpp"
#include "overlay.hpp"
#include "readers.hpp"
#include "yaml_writer.hpp"

namespace syncpath::import {

namespace {

std::vector<std::string> header(const ImportOptions& o, const ImportSummary& s, const std::string& input, bool overlay) {
  std::string what = s.kind == "plan"    ? "a Terraform plan (format " + s.format_version + ")"
                     : s.kind == "state" ? "a Terraform state (format " + s.format_version + ")"
                                         : std::to_string(s.files) + " aliyun OpenAPI responses";
  std::vector<std::string> h{
      "Written by `" + (o.command.empty() ? "syncpath import " + input : o.command) + "`: " + what + ",",
      std::to_string(s.resources) + " resources read" + (overlay ? ", the overlay " + o.overlay + " merged on top" : "") + ".",
      "Each item names its source; `default:` marks what the input could not say (docs/import.md).",
      ""};
  return h;
}

// The common tail of every import: settings, assembly, writing, overlay, loading back.
ImportResult finish(const Inventory& inv, bool read_ok, Diagnostics diags, const ImportSummary& summary,
                    const std::string& input, const ImportOptions& o) {
  ImportResult r;
  r.summary = summary;
  r.diagnostics = std::move(diags);
  if (!read_ok) return r;
  Overlay overlay;
  if (!o.overlay.empty() && !read_overlay(o.overlay, overlay, r.diagnostics)) return r;
  Settings s;
  auto pick = [](const std::string& flag, const std::string& over) { return flag.empty() ? over : flag; };
  s.workspace_name = pick(o.workspace_name, overlay.workspace_name);
  s.workspace_account = pick(o.workspace_account, overlay.workspace_account);
  s.workspace_region = pick(o.workspace_region, overlay.workspace_region);
  s.edition = pick(o.edition, overlay.edition);
  s.mode = pick(o.mode, overlay.mode);
  s.account = pick(o.account, overlay.default_account);
  s.region = o.region;
  s.owners = overlay.owners;
  s.overlay_networks = overlay.networks;
  s.overlay_custom_group = overlay.custom_group;
  s.hosted_sources = overlay.hosted_sources;
  s.input = input;
  if (!s.edition.empty() && !parse_enum<Edition>(s.edition)) {
    r.diagnostics.error({input, 0, 0}, "bad-option", "edition '" + s.edition + "' is not one of basic, standard, professional, enterprise");
    return r;
  }
  if (!s.mode.empty() && !parse_enum<WorkspaceMode>(s.mode)) {
    r.diagnostics.error({input, 0, 0}, "bad-option", "mode '" + s.mode + "' is not one of basic, standard");
    return r;
  }
  {
    Assembled a = assemble(inv, s, r.diagnostics);
    if (r.diagnostics.has_errors()) return r;
    YNode tree = write_topology(a);
    if (!o.overlay.empty()) merge_overlay(tree, overlay.tree);
    r.yaml = emit_yaml(tree, header(o, summary, input, !o.overlay.empty()));
    r.refs = std::move(a.refs);
  }  // the model and the tree are freed before the text is loaded back
  const std::string name = o.output_name.empty() ? input + ".imported.yaml" : o.output_name;
  LoadResult loaded = load_topology_text(r.yaml, name);
  r.diagnostics.append(loaded.diagnostics);
  r.texts.emplace_back(name, loaded.source_text);
  r.topology = std::move(loaded.topology);
  r.ok = r.topology && !r.diagnostics.has_errors();
  return r;
}

bool read_file(const std::string& path, std::string& text, Diagnostics& d) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    d.error({path, 0, 0}, "not-readable", "is a folder; give the file `terraform show -json` wrote");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.error({path, 0, 0}, "not-readable", "cannot open the file");
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  text = buf.str();
  return true;
}

}  // namespace

ImportResult import_terraform_text(const std::string& text, const std::string& file, const ImportOptions& options) {
  Inventory inv;
  Diagnostics d;
  ReadInfo info;
  bool ok = read_terraform(text, file, inv, d, info);
  return finish(inv, ok, std::move(d), {info.kind, info.format_version, inv.resources, 1}, file, options);
}

ImportResult import_terraform_file(const std::string& path, const ImportOptions& options) {
  std::string text;
  Diagnostics d;
  if (!read_file(path, text, d)) {
    ImportResult r;
    r.diagnostics = std::move(d);
    return r;
  }
  return import_terraform_text(text, path, options);
}

ImportResult import_aliyun_dir(const std::string& dir, const ImportOptions& options) {
  Inventory inv;
  Diagnostics d;
  ReadInfo info;
  bool ok = read_aliyun_dir(dir, inv, d, info);
  return finish(inv, ok, std::move(d), {info.kind, "", inv.resources, info.files}, dir, options);
}

ImportResult import_aliyun_files(const std::vector<std::pair<std::string, std::string>>& files, const ImportOptions& options) {
  Inventory inv;
  Diagnostics d;
  bool ok = true;
  for (const auto& [name, text] : files) {
    std::size_t end = 0;
    while (end < name.size() && std::isalpha(static_cast<unsigned char>(name[end]))) ++end;
    std::string qualifier = name.substr(end);
    if (qualifier.size() >= 5 && qualifier.compare(qualifier.size() - 5, 5, ".json") == 0) qualifier.resize(qualifier.size() - 5);
    qualifier.erase(0, qualifier.find_first_not_of(".-_"));
    ok = read_aliyun_response(name.substr(0, end), qualifier, text, name, inv, d) && ok;
  }
  return finish(inv, ok, std::move(d), {"aliyun", "", inv.resources, files.size()}, "aliyun", options);
}

const std::vector<std::string>& import_diagnostic_codes() {
  static const std::vector<std::string> codes{
      "not-readable", "not-json", "not-terraform-json", "unsupported-format-version", "no-resources", "duplicate-change",
      "duplicate-resource", "unsupported-resource", "unsupported-value", "unknown-value", "unknown-api-call",
      "not-an-api-response", "api-error-response", "missing-instance-id", "incomplete-pages", "no-input-files",
      "dangling-reference", "missing-value", "bad-value", "skipped-route", "no-snat", "import-default", "no-region",
      "bad-option", "large-cen", "overlay-syntax", "overlay-wrong-type", "overlay-unknown-key", "overlay-missing-key", "secret-dropped"};
  return codes;
}

}  // namespace syncpath::import
