// The subcommands of `depthlab-worker` that run the engine directly on a model directory:
// perplexity, generate, tokenize, stats, init-random (writes a random-weight model) and train
// (trains a model from scratch on a corpus). Each
// takes argv from the subcommand name on, prints a table (or JSON with --json) to stdout and
// progress to stderr, and returns the process exit code.
#ifndef DEPTHLAB_WORKER_WORKER_COMMANDS_H_
#define DEPTHLAB_WORKER_WORKER_COMMANDS_H_

namespace depthlab::worker {

int RunPerplexity(int argc, char** argv);
int RunGenerate(int argc, char** argv);
int RunTokenize(int argc, char** argv);
int RunStats(int argc, char** argv);
int RunInitRandom(int argc, char** argv);
int RunTrain(int argc, char** argv);

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_WORKER_COMMANDS_H_
