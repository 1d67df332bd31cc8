// Pruning-curve tables for `depthlab results` and `depthlab compare`: one table per task, rows
// k = units removed, one column per curve (metric, model, recovery). Perplexity is a table of its
// own, in exp(mean NLL). Pure functions over depthlab.v1 messages; thread-safe.
#ifndef DEPTHLAB_CLI_CURVE_RENDER_H_
#define DEPTHLAB_CLI_CURVE_RENDER_H_

#include <string>

#include "depthlab/v1/sweep_service.pb.h"

namespace depthlab::cli {

// One sweep's curves: columns are metrics (with "/recovery" unless it is "none"); a cell is the
// accuracy (3 decimals; perplexity 2) then, for k > 0, the unit removed at k in parentheses.
std::string RenderCurves(const v1::GetCurvesResponse& response);

// Curves across sweeps: columns are "model/metric" (model = the directory's last component), plus
// "/recovery" where some curve has one and "/granularity" where granularities differ; the sweep
// id is appended when two columns would still read the same. Cells hold only the value.
std::string RenderComparison(const v1::CompareSweepsResponse& response);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_CURVE_RENDER_H_
