// The plan's fixes as code: `--format terraform` (HCL resources for what the alicloud provider
// can make, an override file for changes to resources Terraform already manages, aliyun CLI
// calls in comments for the rest) and `--format aliyun` (a shell script of aliyun CLI calls for
// every step). Both are fed by the same plan as the other renderers; `refs` (optional) are the
// real resources an import found behind the topology's items.
#pragma once

#include <iosfwd>
#include <memory>

#include "cloud_refs.hpp"
#include "render.hpp"

namespace syncpath {

// `override_out`: where the override file's blocks go; nullptr: after the resources in `out`,
// below a line that says to save them as a file of their own.
std::unique_ptr<PlanRenderer> make_terraform_renderer(std::ostream& out, const Topology& topology, const CloudRefs* refs,
                                                      std::ostream* override_out);
std::unique_ptr<PlanRenderer> make_aliyun_renderer(std::ostream& out, const Topology& topology, const CloudRefs* refs);

}  // namespace syncpath
