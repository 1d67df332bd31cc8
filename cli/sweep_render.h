// Tables for `depthlab list` and the influence part of `depthlab results`: pure functions over
// depthlab.v1 messages; thread-safe. Curves are in curve_render.h.
#ifndef DEPTHLAB_CLI_SWEEP_RENDER_H_
#define DEPTHLAB_CLI_SWEEP_RENDER_H_

#include <string>
#include <vector>

#include "depthlab/v1/sweep_service.pb.h"

namespace depthlab::cli {

// One row per sweep: ID, NAME, STATE, JOBS (done/total), MODEL, CREATED (UTC).
std::string RenderSweepList(const std::vector<v1::Sweep>& sweeps);

// Two or three lines naming a sweep: id, name, state, jobs; model, granularity, metrics, tasks;
// and the error of a failed sweep.
std::string RenderSweepHeader(const v1::Sweep& sweep);

// A table per metric (in enum order), rows by rank (1 = most influential, removed last):
// RANK, UNIT, INFLUENCE ("value ± stderr"; no ± for deterministic metrics), RANK INTERVAL
// ("[lo, hi]"; only when some entry has one) and EVALUATIONS (only when some entry has any).
std::string RenderInfluence(const v1::GetInfluenceResponse& response);

// "0.1234", "-0.0123 ± 0.0021" (4 significant digits; 2 for the standard error).
std::string FormatInfluence(double value, double stderr_value);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_SWEEP_RENDER_H_
