// depthlab-datagen: writes the synthetic benchmark world (MMLU, ARC, BoolQ and GSM8K in their
// real file layouts, calibration text and the training corpus of depthlab's bundled model).
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "data/generator/benchmark.h"
#include "data/generator/writers.h"

namespace {

constexpr char kUsage[] = R"(usage: depthlab-datagen [--seed N] [--out DIR]

Generates depthlab's synthetic benchmark world "Tarn" and writes it under DIR in the real file
layouts: mmlu/{dev,val,test}/*.csv, arc/, boolq/, gsm8k/ and calibration/ {train,test}.jsonl,
train/corpus.jsonl and train/warmup.jsonl (the bundled model's training text, and the drills it
trains on first) and manifest.json. The output is a pure function of the seed; existing files of
the same names are replaced, others are left alone.

flags:
  --seed N    random seed (default 1; the committed data/ uses 1)
  --out DIR   output directory (default "data")
  --help      this text
)";

struct Args {
  uint64_t seed = 1;
  std::string out = "data";
};

// Reads "--name value" or "--name=value" at argv[*i]; advances *i past a separate value.
bool FlagValue(int argc, char** argv, int* i, const std::string& name, std::string* value) {
  const std::string arg = argv[*i];
  const std::string prefix = "--" + name;
  if (arg == prefix && *i + 1 < argc) {
    *value = argv[++*i];
    return true;
  }
  if (absl::StartsWith(arg, prefix + "=")) {
    *value = arg.substr(prefix.size() + 1);
    return true;
  }
  return false;
}

// Returns an error message, or "" when the arguments parsed.
std::string ParseArgs(int argc, char** argv, Args* args, bool* help) {
  for (int i = 1; i < argc; ++i) {
    std::string value;
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
    } else if (FlagValue(argc, argv, &i, "seed", &value)) {
      if (!absl::SimpleAtoi(value, &args->seed)) return "--seed: not a non-negative integer";
    } else if (FlagValue(argc, argv, &i, "out", &value)) {
      if (value.empty()) return "--out: empty directory name";
      args->out = value;
    } else {
      return absl::StrCat("unknown or incomplete argument '", arg, "'");
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  bool help = false;
  if (const std::string error = ParseArgs(argc, argv, &args, &help); !error.empty()) {
    std::cerr << "depthlab-datagen: " << error << "\n\n" << kUsage;
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  depthlab::datagen::GeneratorOptions options;
  options.seed = args.seed;
  const absl::StatusOr<depthlab::datagen::Benchmark> benchmark =
      depthlab::datagen::GenerateBenchmark(options);
  if (!benchmark.ok()) {
    std::cerr << "depthlab-datagen: " << benchmark.status() << "\n";
    return 1;
  }
  const auto files = depthlab::datagen::RenderFiles(*benchmark);
  if (const absl::Status s = depthlab::datagen::WriteFiles(files, args.out); !s.ok()) {
    std::cerr << "depthlab-datagen: " << s << "\n";
    return 1;
  }
  size_t bytes = 0;
  for (const auto& [path, contents] : files) bytes += contents.size();
  std::cout << "wrote " << files.size() << " files (" << bytes << " bytes) under " << args.out
            << " with seed " << args.seed << "\n";
  return 0;
}
