// Slices: how a job is cut into ranges of its split key, and what makes two runs the same job.
// Each slice commits once (a transaction in the destination, with its row in the destination's
// syncpath_slices table), so a run can stop anywhere and --resume redoes only what is missing.
#pragma once

#include <string>

#include "connector.hpp"
#include "job.hpp"
#include "state.hpp"

namespace syncpath::sync {

struct SliceSpec {
  int index = 0, count = 1;  // 0-based index, as a Kubernetes Indexed Job's completion index
};

// What the job reads and writes: source and destination (type, file or endpoint and database,
// table or query, where, columns, split key). A file source counts with its size and time of
// change, so a new file under the same name is a new job. Two runs with the same fingerprint
// load the same rows into the same place; the slice count is kept apart (JobState::slices).
std::string job_fingerprint(const Job& job);
// The id a slice's mark in the destination is filed under: the fingerprint and the slice count.
std::string marks_id(const std::string& fingerprint, int slices);

// Cuts [lo, hi] into st.slices ranges of near-equal width into st.ranges and st.empty.
void cut_ranges(const KeyBounds& bounds, JobState& st);
// The key range slice `i` reads.
KeyRange range_of(const JobState& st, int i);

}  // namespace syncpath::sync
