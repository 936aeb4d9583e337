// Renderers for probe reports: text, json and junit, beside the plan's renderers (the same JSON
// string helpers, the same diagnostics shape). A report whose diagnostics hold an error is
// unusable input: json writes {"schema_version", "diagnostics"}, junit one <error> per
// problem, text the diagnostics alone (the caller puts them on stderr).
#pragma once

#include <iosfwd>

#include "diagnosis.hpp"

namespace syncpath::diagnosis {

void render_probe_text(std::ostream& out, const ProbeReport& report, bool quiet, bool color);
void render_probe_json(std::ostream& out, const ProbeReport& report);
void render_probe_junit(std::ostream& out, const ProbeReport& report);

}  // namespace syncpath::diagnosis
