// Trains a LLaMA-architecture model from scratch on a JSONL corpus with libtorch autograd through
// the engine's own Decoder (so the trained model is exactly what the engine evaluates), and writes
// a Hugging Face directory: config.json, model.safetensors (F16), tokenizer files, and
// train_log.csv. Resumable: a state checkpoint in `out_dir/train_state/` lets an interrupted run
// continue bit-for-bit (same data order, same optimizer state).
//
//   TrainerOptions o;
//   o.corpus = "data/train/corpus.jsonl";
//   o.out_dir = "models/tiny";
//   DEPTHLAB_RETURN_IF_ERROR(Train(o, [](const TrainProgress& p) { ... }));
#ifndef DEPTHLAB_WORKER_ENGINE_TRAINER_H_
#define DEPTHLAB_WORKER_ENGINE_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "worker/engine/model_config.h"

namespace depthlab::engine {

struct TrainerOptions {
  std::string corpus;       // JSONL {"text": ...} training documents (or plain text)
  std::string eval_corpus;  // optional held-out documents: loss logged every eval_every steps
  // Curriculum: the first `warm_steps` steps draw their windows from `warm_corpus` (same
  // format) instead of `corpus`; for example lookup drills alone, so that the in-context matching
  // they teach is learned while attention is still near its initialisation. Both or neither.
  std::string warm_corpus;
  int warm_steps = 0;
  // With a warm corpus: hold the peak learning rate through the warm phase (after the linear
  // warm-up), then decay by cosine over the remaining steps only, so the main corpus starts at
  // the peak instead of wherever one cosine over all `steps` has reached.
  bool warm_restart = false;
  std::string out_dir;  // the Hugging Face directory to write
  // Tokenizer: copied from this directory if set; otherwise a SentencePiece BPE model of
  // `vocab_size` pieces is trained on the corpus with spm_train (Debian package sentencepiece).
  std::string tokenizer_dir;
  int vocab_size = 4096;
  ModelConfig config;  // architecture; vocab_size and special ids come from the tokenizer
  int seq_len = 256;
  int batch_size = 16;
  int steps = 2000;
  double learning_rate = 3e-3;
  double min_learning_rate = 3e-4;  // cosine decay floor
  int warmup_steps = 100;
  double weight_decay = 0.1;
  double grad_clip = 1.0;
  int eval_every = 200;
  int checkpoint_every = 100;  // state saved for resuming
  int threads = 0;             // 0 = every core
  // "cpu", "cuda" or "auto" (CUDA when available). Parameters are initialised on CPU either way;
  // a resumed run may change device, but only a run on one device repeats bit for bit.
  std::string device = "cpu";
  // Stop (saving the state, not exporting) once this step is reached: training in slices. 0 = run
  // to `steps`.
  int stop_at_step = 0;
  uint64_t seed = 1;
  // Loss weight of the token right after each "Answer:" in the corpus (the answer letter of a
  // multiple-choice block, BoolQ's yes/no, the start of a worked answer); other tokens weigh 1 and
  // the loss is the weighted mean. 1 = the plain language-model loss. Held-out loss stays plain.
  double answer_weight = 1;
  // Packed training windows hold several documents. With document_mask, a position attends only
  // to its own document (each starts with BOS), as each prompt is alone at evaluation; without
  // it, attention also sees the documents before it in the window. Held-out loss follows suit.
  bool document_mask = false;
  // Attention initialisation: "normal" (every weight N(0, 0.02^2), output projections scaled by
  // 1/sqrt(2 layers)) or "mimetic" (Trockman & Kolter 2023: query-key products near a multiple of
  // the identity, so tokens start out attending to copies of themselves; value-output near minus
  // the identity).
  std::string init = "normal";
};

struct TrainProgress {
  int step = 0;
  int steps = 0;
  double loss = 0;        // training loss of this step (mean NLL, nats)
  double eval_loss = -1;  // held-out loss when evaluated this step, else -1
  double learning_rate = 0;
  double tokens_per_second = 0;
  double elapsed_seconds = 0;  // since this run (or resumption) started
  int first_step = 0;          // the step this run started from (0, or the resumed step)
  bool resumed = false;        // the run continued from a state checkpoint
};

// Default architecture of the bundled model: llama, 8 layers, hidden 256, GQA 8/4 heads.
ModelConfig DefaultTinyConfig();

// Loss weights of the targets of one window of input tokens (target t follows inputs[t]):
// `weight` where the inputs ending at t are `pattern`, else 1.
std::vector<float> AnswerWeights(const std::vector<int32_t>& inputs,
                                 const std::vector<int32_t>& pattern, double weight);

// Runs (or resumes) training; `progress` is called after every step.
absl::Status Train(const TrainerOptions& options,
                   const std::function<void(const TrainProgress&)>& progress);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_TRAINER_H_
