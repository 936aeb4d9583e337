// The command line, testable in-process: run(argc, argv, out, err) is main() without exit().
#pragma once

#include <fstream>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "report_file.hpp"

namespace CLI {
class App;
}

namespace syncpath::cli {

enum ExitCode : int { kOk = 0, kFindings = 1, kBadInput = 2 };

// Options every subcommand takes.
struct CommonOptions {
  std::string format = "text";
  std::string output;  // empty: standard output
  bool quiet = false;
  bool no_color = false;
  std::size_t max_errors = kDefaultMaxShown;  // text output: diagnostics shown in full (0 = all)
};

struct Context {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;
  int exit_code = kOk;
};

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Adds --format (restricted to `formats`), --output, --quiet, --no-color to a subcommand.
void add_common_options(CLI::App& sub, CommonOptions& opts, const std::vector<std::string>& formats);

// Where a subcommand's report goes: --output FILE or the context's out stream. Colour only
// when writing to a terminal and not --no-color. A file is written whole or not at all
// (staged beside the target and renamed on commit()).
class Report {
 public:
  Report(Context& ctx, const CommonOptions& opts);
  ~Report();
  std::ostream& stream() { return *stream_; }
  bool color() const { return color_; }
  // Renames the staged file into place; false (and a message on ctx.err) on failure.
  bool commit();
  // Throws std::runtime_error ("cannot write FILE: No space left on device") once a write has
  // failed, so that a long run stops instead of working on for a report that cannot be written.
  void check_written() const;

 private:
  Context& ctx_;
  std::string target_, staged_;
  std::unique_ptr<ReportFile> staged_buf_;  // the staged file's writer, under file_
  std::unique_ptr<std::ostream> file_;
  std::ostream* stream_;
  bool color_ = false;
  bool committed_ = false;
};

// One function per subcommand file, each adding its subcommand to the app.
void add_validate_command(CLI::App& app, Context& ctx);
void add_plan_command(CLI::App& app, Context& ctx);
void add_diff_command(CLI::App& app, Context& ctx);
void add_whichgroup_command(CLI::App& app, Context& ctx);
void add_probe_command(CLI::App& app, Context& ctx);
void add_sync_command(CLI::App& app, Context& ctx);
void add_import_command(CLI::App& app, Context& ctx);

}  // namespace syncpath::cli
