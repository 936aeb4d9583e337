// Renderers for plans: text, markdown (the merged remediation checklist), json (streamed) and dot.
// Each takes pairs one at a time; text and json write as they go, so memory stays flat; markdown
// and dot keep what they merge (one entry per distinct action / per pair path).
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "diagnostics.hpp"
#include "model.hpp"
#include "plan.hpp"

namespace syncpath {

// The plan JSON's schema_version (docs/json.md): raised when a key changes meaning or goes.
inline constexpr int kPlanSchemaVersion = 1;

struct RenderOptions {
  bool color = false;  // ANSI colour (text only; the caller decides: terminal and not --no-color)
  bool quiet = false;  // text: only pairs that are not ready, and the summary
  const Diagnostics* diagnostics = nullptr;  // json: the topology's warnings, inside the document
};

class PlanRenderer {
 public:
  virtual ~PlanRenderer() = default;
  virtual void begin() {}
  virtual void pair(const PairPlan& p) = 0;
  // The steps each selected group's pairs share, before begin() (json lists them once).
  virtual void groups(const std::vector<GroupSteps>& groups) { (void)groups; }
  // The tasks' verdicts, after the pairs and before end() (only when there are tasks to show).
  virtual void tasks(const std::vector<TaskPlan>& tasks) { (void)tasks; }
  virtual void end() {}
  // A renderer whose output for a pair depends on that pair alone (text, json) can take pairs
  // planned on several threads (plan_pairs_parallel): `render` appends one pair's output (on
  // any thread), `write` takes the rendered runs in order, in place of `pair`.
  virtual bool per_pair() const { return false; }
  virtual void render(TextBuf& out, const PairPlan& p) const {
    (void)out;
    (void)p;
  }
  virtual void write(std::string_view run, const StatusCounts& counts) {
    (void)run;
    (void)counts;
  }
};

// format: text | markdown | json | dot; nullptr for another word.
std::unique_ptr<PlanRenderer> make_plan_renderer(const std::string& format, std::ostream& out,
                                                 const Topology& topology, RenderOptions options = {});

// JSON helpers shared by the plan, diff and whichgroup outputs.
void json_string(std::ostream& out, std::string_view s);
void json_step(std::ostream& out, const PlanStep& st);
void json_pair(std::ostream& out, const PairPlan& p);
// The same, appending to a buffer (the streamed plan builds each pair in one string).
void json_string(std::string& out, std::string_view s);
void json_step(std::string& out, const PlanStep& st);
void json_pair(std::string& out, const PairPlan& p);
// The same into a TextBuf (the plan's renderers).
void json_string(TextBuf& out, std::string_view s);
void json_step(TextBuf& out, const PlanStep& st);
void json_pair(TextBuf& out, const PairPlan& p);

// One line per step as the markdown checklist words it: where (the account to log in to and
// the region, or the user's own router), then the console / API action to take.
std::string console_action(const PlanStep& st);
// "Account `a`, region r", "On the own router ... of `idc`", or "" when the step says none.
std::string step_location(const PlanStep& st);
// A key that is equal for two steps exactly when one action fixes both.
std::string step_key(const PlanStep& st);

}  // namespace syncpath
