#include "worker/engine/tasks/prompts.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"

namespace depthlab::engine::tasks {

std::string MmluSubjectWords(const std::string& subject) {
  return absl::StrReplaceAll(subject, {{"_", " "}});
}

std::string MmluHeader(const std::string& subject) {
  return absl::StrCat("The following are multiple choice questions (with answers) about ",
                      MmluSubjectWords(subject), ".\n\n");
}

std::string MmluQuestionPrompt(const MmluQuestion& q) {
  return absl::StrCat(q.question, "\nA. ", q.choices[0], "\nB. ", q.choices[1], "\nC. ",
                      q.choices[2], "\nD. ", q.choices[3], "\nAnswer:");
}

std::string MmluShot(const MmluQuestion& q) {
  const char letter[] = {static_cast<char>('A' + q.answer), '\0'};
  return absl::StrCat(MmluQuestionPrompt(q), " ", letter, "\n\n");
}

std::string MmluPrompt(const std::string& subject, absl::Span<const MmluQuestion> shots,
                       const MmluQuestion& q) {
  std::string prompt = MmluHeader(subject);
  for (const MmluQuestion& shot : shots) absl::StrAppend(&prompt, MmluShot(shot));
  absl::StrAppend(&prompt, MmluQuestionPrompt(q));
  return prompt;
}

std::vector<std::string> MmluContinuations() { return {" A", " B", " C", " D"}; }

absl::StatusOr<FewShotPrompt> BuildMmluPrompt(const Tokenizer& tokenizer,
                                              const std::string& subject,
                                              absl::Span<const MmluQuestion> shots,
                                              const MmluQuestion& q, int num_shots,
                                              int max_tokens) {
  FewShotPrompt prompt;
  prompt.shots = std::clamp(num_shots, 0, static_cast<int>(shots.size()));
  while (true) {
    prompt.text = MmluPrompt(subject, shots.subspan(0, prompt.shots), q);
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, EncodeWithBos(tokenizer, prompt.text));
    prompt.tokens = static_cast<int>(ids.size());
    if (prompt.tokens <= max_tokens || prompt.shots == 0) return prompt;
    --prompt.shots;
  }
}

std::string ArcPrompt(const ArcItem& item) {
  return absl::StrCat("Question: ", item.stem, "\nAnswer:");
}

std::vector<std::string> ArcContinuations(const ArcItem& item) {
  std::vector<std::string> continuations;
  for (const std::string& choice : item.choices) continuations.push_back(" " + choice);
  return continuations;
}

std::string BoolqPrompt(const BoolqItem& item) {
  return absl::StrCat(item.passage, "\nQuestion: ", item.question, "?\nAnswer:");
}

std::vector<std::string> BoolqContinuations() { return {" no", " yes"}; }

std::string Gsm8kShot(const Gsm8kItem& shot) {
  return absl::StrCat("Question: ", shot.question, "\nAnswer: ", shot.answer, "\n\n");
}

std::string Gsm8kPrompt(absl::Span<const Gsm8kItem> shots, const Gsm8kItem& item) {
  std::string prompt;
  for (const Gsm8kItem& shot : shots) absl::StrAppend(&prompt, Gsm8kShot(shot));
  absl::StrAppend(&prompt, "Question: ", item.question, "\nAnswer:");
  return prompt;
}

absl::StatusOr<std::vector<int32_t>> EncodeWithBos(const Tokenizer& tokenizer,
                                                   const std::string& text) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                            tokenizer.Encode(std::string_view(text), /*add_special=*/false));
  if (tokenizer.add_bos() && tokenizer.bos_id()) ids.insert(ids.begin(), *tokenizer.bos_id());
  return ids;
}

absl::StatusOr<std::vector<ContinuationRequest>> BuildRequests(
    const Tokenizer& tokenizer, const std::string& context,
    const std::vector<std::string>& continuations) {
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<int32_t> context_ids,
                            EncodeWithBos(tokenizer, context));
  std::vector<ContinuationRequest> requests;
  for (const std::string& continuation : continuations) {
    ContinuationRequest request;
    DEPTHLAB_ASSIGN_OR_RETURN(request.tokens, EncodeWithBos(tokenizer, context + continuation));
    if (request.tokens.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("continuation \"", continuation, "\" after context \"", context,
                       "\" encodes to fewer than 2 tokens; nothing to score"));
    }
    request.context_length = std::max(1, std::min(static_cast<int>(context_ids.size()),
                                                  static_cast<int>(request.tokens.size()) - 1));
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace depthlab::engine::tasks
