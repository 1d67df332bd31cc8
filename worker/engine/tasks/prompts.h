// Prompt construction for the downstream tasks, exactly as METHODS.md §7 defines it (the MMLU
// release's own format, lm-eval-harness's ARC, BoolQ and GSM8K formats), and their tokenisation
// into continuation requests: context + continuation tokenised together and split at the length
// of the context alone. Torch-free; every function is thread-safe.
//
//   std::string context = ArcPrompt(item);  // "Question: ...\nAnswer:"
//   DEPTHLAB_ASSIGN_OR_RETURN(auto requests,
//                             BuildRequests(tokenizer, context, ArcContinuations(item)));
#ifndef DEPTHLAB_WORKER_ENGINE_TASKS_PROMPTS_H_
#define DEPTHLAB_WORKER_ENGINE_TASKS_PROMPTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/tasks/task_data.h"
#include "worker/engine/engine.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::engine::tasks {

// The item types are the torch-free readers' (common/tasks/task_data.h).
using ::depthlab::tasks::ArcItem;
using ::depthlab::tasks::BoolqItem;
using ::depthlab::tasks::Gsm8kItem;
using ::depthlab::tasks::MmluQuestion;

// ---- MMLU ----
// "high_school_physics" -> "high school physics".
std::string MmluSubjectWords(const std::string& subject);
// "The following are multiple choice questions (with answers) about {subject words}.\n\n"
std::string MmluHeader(const std::string& subject);
// "{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:"
std::string MmluQuestionPrompt(const MmluQuestion& q);
// The question prompt followed by " {answer letter}\n\n".
std::string MmluShot(const MmluQuestion& q);
// Header, the shots in order, then the question prompt.
std::string MmluPrompt(const std::string& subject, absl::Span<const MmluQuestion> shots,
                       const MmluQuestion& q);
// " A", " B", " C", " D".
std::vector<std::string> MmluContinuations();

struct FewShotPrompt {
  std::string text;
  int shots = 0;   // shots kept
  int tokens = 0;  // tokens of `text` with BOS
};
// The prompt with the first min(num_shots, shots.size()) shots, dropping shots from the last while
// its token count (with BOS) exceeds `max_tokens`. With no shots left the prompt is kept whole,
// even if still longer than `max_tokens`.
absl::StatusOr<FewShotPrompt> BuildMmluPrompt(const Tokenizer& tokenizer,
                                              const std::string& subject,
                                              absl::Span<const MmluQuestion> shots,
                                              const MmluQuestion& q, int num_shots, int max_tokens);

// ---- ARC ----
// "Question: {stem}\nAnswer:"; continuations " {choice text}" in file order.
std::string ArcPrompt(const ArcItem& item);
std::vector<std::string> ArcContinuations(const ArcItem& item);

// ---- BoolQ ----
// "{passage}\nQuestion: {question}?\nAnswer:"; continuations " no" (index 0), " yes" (index 1).
std::string BoolqPrompt(const BoolqItem& item);
std::vector<std::string> BoolqContinuations();

// ---- GSM8K ----
// "Question: {question}\nAnswer: {worked answer}\n\n"
std::string Gsm8kShot(const Gsm8kItem& shot);
// The shots, then "Question: {question}\nAnswer:".
std::string Gsm8kPrompt(absl::Span<const Gsm8kItem> shots, const Gsm8kItem& item);
// Generation stops where the output first contains this.
inline constexpr char kGsm8kStop[] = "Question:";

// ---- Tokenisation ----
// `text` without special tokens, preceded by BOS when the tokenizer adds one (never EOS).
absl::StatusOr<std::vector<int32_t>> EncodeWithBos(const Tokenizer& tokenizer,
                                                   const std::string& text);
// One request per continuation: EncodeWithBos(context + continuation), split at the token count
// of EncodeWithBos(context) (clamped so at least one continuation token remains). InvalidArgument
// if a sequence has fewer than two tokens.
absl::StatusOr<std::vector<ContinuationRequest>> BuildRequests(
    const Tokenizer& tokenizer, const std::string& context,
    const std::vector<std::string>& continuations);

}  // namespace depthlab::engine::tasks

#endif  // DEPTHLAB_WORKER_ENGINE_TASKS_PROMPTS_H_
