// depthlab-worker: the service's worker process (`serve`: leases jobs from the coordinator over
// gRPC and runs them on the engine) and a command-line front end to the engine for single runs
// on a local Hugging Face model directory.
#include <cstring>
#include <iostream>

#include "worker/curve_command.h"
#include "worker/serve_command.h"
#include "worker/worker_commands.h"

namespace {

constexpr char kUsage[] = R"(usage: depthlab-worker <command> [flags]

Runs depthlab's libtorch engine on Hugging Face model directories (config.json, safetensors
weights, tokenizer.model or tokenizer.json): as the service's worker process (serve), or once on
a local model. The local commands take --remove with units such as block:2, attn:1, mlp:3 or
block:4-6 to run the pruned model, and --json for machine output.

commands:
  serve        the service's worker: lease jobs from the coordinator, run them, report the sums
  perplexity   mean next-token NLL and perplexity of a text file (plain text or JSONL {"text"})
  generate     greedy continuation of a prompt, printing token ids and text
  tokenize     token ids and pieces of a text
  stats        per-unit influence (cosine, relative L1/L2 update norms) over a calibration file
  init-random  write a small random-weight model directory (for demos and benchmarks)
  train        train a LLaMA-architecture model from scratch on a JSONL corpus (resumable)
  curve        accuracy on MMLU/ARC/BoolQ/GSM8K and perplexity with 0..K units removed in
               cosine order (the pruning curve, on this machine)

Run 'depthlab-worker <command> --help' for the flags of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "serve") return depthlab::worker::RunServe(argc, argv);
  if (command == "perplexity") return depthlab::worker::RunPerplexity(argc, argv);
  if (command == "generate") return depthlab::worker::RunGenerate(argc, argv);
  if (command == "tokenize") return depthlab::worker::RunTokenize(argc, argv);
  if (command == "stats") return depthlab::worker::RunStats(argc, argv);
  if (command == "init-random") return depthlab::worker::RunInitRandom(argc, argv);
  if (command == "train") return depthlab::worker::RunTrain(argc, argv);
  if (command == "curve") return depthlab::worker::RunCurve(argc, argv);
  std::cerr << "depthlab-worker: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
