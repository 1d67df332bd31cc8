// Calibration text (METHODS.md §7): JSONL with a {"text": ...} object per line (OpenWebText style)
// or plain text (one document). Documents are tokenised with BOS, concatenated, and cut into
// fixed-length sequences. Torch-free.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto docs, LoadDocuments("data/calibration.jsonl"));
//   TokenSequences seqs = PackSequences(tokenizer, docs, 128, 64);
#ifndef DEPTHLAB_WORKER_ENGINE_CORPUS_H_
#define DEPTHLAB_WORKER_ENGINE_CORPUS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/engine.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::engine {

// JSONL when the file name ends in .jsonl / .json or its first non-blank byte is '{'; else the
// whole file is one document. Errors name the file and line (a malformed line, a line without a
// string "text" field, an empty corpus).
absl::StatusOr<std::vector<std::string>> LoadDocuments(const std::string& path);

// Tokenises each document with BOS (and EOS if the tokenizer adds one), concatenates them, and
// cuts the stream into sequences of exactly `seq_len` tokens, dropping the remainder. At most
// `max_sequences` sequences (0 = no limit).
absl::StatusOr<TokenSequences> PackSequences(const Tokenizer& tokenizer,
                                             const std::vector<std::string>& documents, int seq_len,
                                             int max_sequences);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_CORPUS_H_
