#include "plan_code.hpp"

#include <filesystem>

#include "render_code.hpp"

namespace syncpath::cli {

std::unique_ptr<PlanRenderer> make_code_renderer(const CommonOptions& opts, std::ostream& out, const Topology& topology,
                                                 const CloudRefs& refs, CodeOutput& code) {
  if (opts.format == "aliyun") return make_aliyun_renderer(out, topology, &refs);
  if (opts.format != "terraform") return nullptr;
  if (!opts.output.empty() && opts.output != "-") {
    std::filesystem::path p(opts.output);
    std::string stem = p.extension() == ".tf" ? p.stem().string() : p.filename().string();
    code.override_path = (p.parent_path() / (stem + "_override.tf")).string();
  }
  return make_terraform_renderer(out, topology, &refs, code.override_path.empty() ? nullptr : &code.overrides);
}

bool commit_code_output(Context& ctx, const CommonOptions& opts, CodeOutput& code) {
  if (code.override_path.empty()) return true;
  std::string text = code.overrides.str();
  std::error_code ec;
  if (text.empty()) {  // none this time: an older one would be applied with the new fix
    std::filesystem::remove(code.override_path, ec);
    return true;
  }
  CommonOptions o = opts;
  o.output = code.override_path;
  Report report(ctx, o);
  report.stream() << text;
  return report.commit();
}

}  // namespace syncpath::cli
