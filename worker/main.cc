// depthlab-worker: runs depthlab's engine on a Hugging Face model directory. Today its
// subcommands run single jobs locally; the gRPC lease loop that makes it the service's worker
// arrives with the service (issue 4).
#include <cstring>
#include <iostream>

#include "worker/curve_command.h"
#include "worker/worker_commands.h"

namespace {

constexpr char kUsage[] = R"(usage: depthlab-worker <command> [flags]

Runs depthlab's libtorch engine on a Hugging Face model directory (config.json, safetensors
weights, tokenizer.model or tokenizer.json). Every command takes --remove with units such as
block:2, attn:1, mlp:3 or block:4-6 to run the pruned model, and --json for machine output.

commands:
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
