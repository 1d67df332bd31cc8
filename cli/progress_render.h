// How `depthlab watch` shows a sweep's progress: bars redrawn in place on a terminal, one line per
// event otherwise. Pure functions over depthlab.v1 messages; thread-safe.
//
//   std::cout << RedrawFrame(printed, ProgressFrame(event), terminal_columns);
#ifndef DEPTHLAB_CLI_PROGRESS_RENDER_H_
#define DEPTHLAB_CLI_PROGRESS_RENDER_H_

#include <string>
#include <vector>

#include "depthlab/v1/sweep_service.pb.h"

namespace depthlab::cli {

// SUCCEEDED, FAILED or CANCELLED: the sweep will not change any more.
bool IsTerminal(v1::SweepState state);

// "[######------]": `width` cells between the brackets, filled in proportion to done / total.
std::string ProgressBar(int done, int total, int width);

// The lines shown on a terminal for an event: the sweep's state and job counts, one bar per
// stage, then the event's message (when it has one).
std::vector<std::string> ProgressFrame(const v1::SweepEvent& event);

// Terminal text that replaces the `previous_lines` lines written last (0 at first) with `lines`,
// each cut to `columns` - 1 characters so nothing wraps.
std::string RedrawFrame(int previous_lines, const std::vector<std::string>& lines, int columns);

// One self-contained line per event (logs, pipes): time (UTC), state, jobs, stages, message.
std::string EventLine(const v1::SweepEvent& event);

// The closing line once a sweep has ended, e.g. "sweep s1 succeeded: 40/40 jobs, 3 evaluations
// from the cache (see `depthlab results s1`)" or "sweep s1 failed: <error>".
std::string OutcomeLine(const v1::Sweep& sweep);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_PROGRESS_RENDER_H_
