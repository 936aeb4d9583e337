// `plan --format terraform|aliyun`: the code renderers with what an import knows of the real
// resources; with --output FILE.tf, the Terraform overrides go to FILE_override.tf beside it.
#pragma once

#include <memory>
#include <sstream>
#include <string>

#include "app.hpp"
#include "cloud_refs.hpp"
#include "render.hpp"

namespace syncpath::cli {

struct CodeOutput {
  std::string override_path;  // empty: the overrides follow the resources in the report
  std::ostringstream overrides;
};

// nullptr for a format that is not code (the caller uses make_plan_renderer then).
std::unique_ptr<PlanRenderer> make_code_renderer(const CommonOptions& opts, std::ostream& out, const Topology& topology,
                                                 const CloudRefs& refs, CodeOutput& code);
// Writes the override file when there is one (whole or not at all); false on failure (reported).
bool commit_code_output(Context& ctx, const CommonOptions& opts, CodeOutput& code);

}  // namespace syncpath::cli
