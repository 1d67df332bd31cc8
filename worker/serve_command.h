// `depthlab-worker serve`: the service's worker process. Registers with the coordinator, leases
// jobs, runs them on the engine (worker/runner) and reports their sums (worker/client) until
// SIGTERM or SIGINT, then shuts down gracefully; optionally serves Prometheus /metrics.
#ifndef DEPTHLAB_WORKER_SERVE_COMMAND_H_
#define DEPTHLAB_WORKER_SERVE_COMMAND_H_

namespace depthlab::worker {

int RunServe(int argc, char** argv);

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_SERVE_COMMAND_H_
