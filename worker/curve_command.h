// `depthlab-worker curve`: the pruning curve of METHODS.md §5 on one machine. Runs the influence
// statistics on the calibration split, ranks the units of a granularity by cosine influence
// (lowest first), and for k = 0..K removed units evaluates MMLU, ARC, BoolQ, GSM8K and perplexity,
// printing accuracy versus units removed.
#ifndef DEPTHLAB_WORKER_CURVE_COMMAND_H_
#define DEPTHLAB_WORKER_CURVE_COMMAND_H_

namespace depthlab::worker {

int RunCurve(int argc, char** argv);

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CURVE_COMMAND_H_
