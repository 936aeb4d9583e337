// What `syncpath sync` prints: the totals, --explain's mapping and the progress line as text,
// and every JSON document it writes (one a run, each with a schema_version; the shapes are in
// docs/sync.md).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "job.hpp"
#include "mapping.hpp"
#include "run.hpp"

namespace syncpath::sync {

inline constexpr int kReportSchemaVersion = 1;

// "12.3 MB" (MB = 10^6 bytes), "512 B".
std::string human_bytes(double bytes);

// The totals of a run: a summary line (and the job's line when it differs from the run's, after
// --resume or with --slice).
void write_totals_text(std::ostream& out, const Totals& t);
// {"schema_version", "status", "stage": "run", "outcome", this run's counts, "job": {...}, ...}
std::string totals_json(const Totals& t, const Diagnostics& warnings);

// The --explain table: source column and type, destination column and type, conversion; the
// write mode and key; the slices.
void write_explain_text(std::ostream& out, const Job& job, const Mapping& m);
std::string explain_json(const Job& job, const Mapping& m, const Diagnostics& warnings);

// A run that ended before moving rows: unusable input ("input": the diagnostics) or a
// preflight that failed ("preflight": the problems, each with its remedy).
std::string diagnostics_json(const Diagnostics& diags);
std::string preflight_json(const std::vector<std::string>& problems, const Diagnostics& warnings);

// One progress line: `plain` (a log: no terminal codes) or for a terminal (redrawn in place).
std::string progress_line(const Progress& p, bool plain);

}  // namespace syncpath::sync
