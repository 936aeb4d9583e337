#include "app.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "version.hpp"

namespace syncpath::cli {

void add_common_options(CLI::App& sub, CommonOptions& opts, const std::vector<std::string>& formats) {
  sub.add_option("--format", opts.format, "Output format")
      ->check(CLI::IsMember(formats))
      ->default_val(opts.format);
  sub.add_option("--output,-o", opts.output, "Write the report to FILE instead of standard output");
  sub.add_flag("--quiet,-q", opts.quiet, "Print only problems and the final verdict");
  sub.add_flag("--no-color", opts.no_color, "Never colour the output");
  sub.add_option("--max-errors", opts.max_errors,
                 "Text output: show the first N diagnostics in full, then a count by code (0 = all)")
      ->default_val(opts.max_errors);
}

Report::Report(Context& ctx, const CommonOptions& opts) : ctx_(ctx), stream_(&ctx.out) {
  if (opts.output.empty() || opts.output == "-") {
    color_ = ctx.out_is_tty && !opts.no_color && opts.format == "text";
    return;
  }
  target_ = opts.output;
  // A device or pipe (/dev/null, a FIFO) is written in place: staging and renaming would
  // replace it with a regular file.
  std::error_code type_ec;
  auto type = std::filesystem::status(target_, type_ec).type();
  if (!type_ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::not_found) {
    file_ = std::make_unique<std::ofstream>(target_, std::ios::binary);
    if (!*file_) throw std::runtime_error("cannot write " + target_);
    stream_ = file_.get();
    committed_ = true;  // nothing staged to rename or remove
    staged_.clear();
    return;
  }
  staged_ = target_ + ".partial";
  // SYNCPATH_DIRECT_IO=off: every byte through the page cache (see docs/plan.md, "Writing
  // large reports").
  const char* env = std::getenv("SYNCPATH_DIRECT_IO");
  std::string_view direct_env = env ? env : "";
  bool direct = true;
  if (direct_env == "off" || direct_env == "0" || direct_env == "no" || direct_env == "false")
    direct = false;
  else if (!direct_env.empty() && direct_env != "on" && direct_env != "1" && direct_env != "yes" && direct_env != "true")
    throw std::runtime_error("SYNCPATH_DIRECT_IO=" + std::string(direct_env) + " is not understood: set it to on or off");
  staged_buf_ = std::make_unique<ReportFile>(staged_, direct);  // throws naming the file
  file_ = std::make_unique<std::ostream>(staged_buf_.get());
  stream_ = file_.get();
}

Report::~Report() {
  if (file_ && !committed_) {
    file_.reset();
    staged_buf_.reset();
    std::error_code ec;
    std::filesystem::remove(staged_, ec);
  }
}

bool Report::commit() {
  if (file_ && staged_.empty()) {  // written in place
    file_->flush();
    return static_cast<bool>(*file_);
  }
  if (!file_) {
    stream_->flush();
    return true;
  }
  file_->flush();
  bool good = static_cast<bool>(*file_);
  good = staged_buf_->close() && good;
  std::string why = staged_buf_->error().empty() ? "write failed" : staged_buf_->error();
  file_.reset();
  staged_buf_.reset();
  std::error_code ec;
  if (good) std::filesystem::rename(staged_, target_, ec);
  if (!good || ec) {
    ctx_.err << "syncpath: cannot write " << target_ << ": " << (ec ? ec.message() : why) << '\n';
    std::filesystem::remove(staged_, ec);
    return false;
  }
  committed_ = true;
  return true;
}

void Report::check_written() const {
  if (*stream_) return;
  std::string why = staged_buf_ && !staged_buf_->error().empty() ? staged_buf_->error() : "write failed";
  throw std::runtime_error("cannot write " + (target_.empty() ? std::string("standard output") : target_) + ": " + why);
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Context ctx{out, err};
  ctx.out_is_tty = (&out == &std::cout) && ::isatty(STDOUT_FILENO);
  ctx.err_is_tty = (&err == &std::cerr) && ::isatty(STDERR_FILENO);

  CLI::App app{"syncpath: plan, probe and run batch data synchronization across networks", "syncpath"};
  app.set_version_flag("--version", std::string("syncpath ") + kVersion);
  app.require_subcommand(1);
  add_validate_command(app, ctx);
  add_plan_command(app, ctx);
  add_diff_command(app, ctx);
  add_whichgroup_command(app, ctx);
  add_probe_command(app, ctx);
  add_sync_command(app, ctx);
  add_import_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kBadInput;
  } catch (const std::exception& e) {  // the environment failing inside a subcommand
    err << "syncpath: " << e.what() << '\n';
    return kBadInput;
  }
  return ctx.exit_code;
}

}  // namespace syncpath::cli
