// `syncpath probe`: not built yet; see the open issue that builds it.
#include <CLI/CLI.hpp>

#include "app.hpp"

namespace syncpath::cli {

void add_probe_command(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("probe", "(not built yet)");
  sub->callback([&ctx] {
    ctx.err << "syncpath probe: not built yet\n";
    ctx.exit_code = kBadInput;
  });
}

}  // namespace syncpath::cli
