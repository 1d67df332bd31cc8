// Every task's prompt compared character by character with a hand-written one (METHODS.md §7),
// MMLU's shot dropping under a small context cap, and the split of context and continuation
// tokens (on the byte-level test tokenizer, whose ids are the bytes plus a few merges).
#include "worker/engine/tasks/prompts.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "worker/engine/random_model.h"

namespace depthlab::engine::tasks {
namespace {

using ::testing::ElementsAre;

MmluQuestion Q(std::string question, std::array<std::string, 4> choices, int answer) {
  MmluQuestion q;
  q.question = std::move(question);
  q.choices = std::move(choices);
  q.answer = answer;
  return q;
}

const std::vector<MmluQuestion> kShots = {
    Q("What is 1+1?", {"1", "2", "3", "4"}, 1),
    Q("Unit of force?", {"newton", "joule", "watt", "volt"}, 0),
    Q("Which is a vector?", {"mass", "speed", "velocity", "time"}, 2),
    Q("g on Earth, in m/s^2?", {"1.6", "3.7", "9.8", "24.8"}, 2),
    Q("Charge of an electron?", {"positive", "zero", "one", "negative"}, 3),
};
const MmluQuestion kQuestion = Q("Fastest?", {"light", "sound", "car", "snail"}, 0);

constexpr char kFiveShotPrompt[] =
    "The following are multiple choice questions (with answers) about high school physics.\n\n"
    "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
    "Unit of force?\nA. newton\nB. joule\nC. watt\nD. volt\nAnswer: A\n\n"
    "Which is a vector?\nA. mass\nB. speed\nC. velocity\nD. time\nAnswer: C\n\n"
    "g on Earth, in m/s^2?\nA. 1.6\nB. 3.7\nC. 9.8\nD. 24.8\nAnswer: C\n\n"
    "Charge of an electron?\nA. positive\nB. zero\nC. one\nD. negative\nAnswer: D\n\n"
    "Fastest?\nA. light\nB. sound\nC. car\nD. snail\nAnswer:";

constexpr char kTwoShotPrompt[] =
    "The following are multiple choice questions (with answers) about high school physics.\n\n"
    "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
    "Unit of force?\nA. newton\nB. joule\nC. watt\nD. volt\nAnswer: A\n\n"
    "Fastest?\nA. light\nB. sound\nC. car\nD. snail\nAnswer:";

class PromptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteByteLevelTokenizer(dir_.path()).ok());
    auto tokenizer = Tokenizer::FromDirectory(dir_.path());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    tokenizer_ = std::move(*tokenizer);
  }

  int Tokens(const std::string& text) {
    auto ids = EncodeWithBos(*tokenizer_, text);
    EXPECT_TRUE(ids.ok());
    return ids.ok() ? static_cast<int>(ids->size()) : 0;
  }

  ::depthlab::testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(PromptsTest, MmluHeaderQuestionAndShotFormatting) {
  EXPECT_EQ(MmluSubjectWords("high_school_physics"), "high school physics");
  EXPECT_EQ(MmluHeader("anatomy"),
            "The following are multiple choice questions (with answers) about anatomy.\n\n");
  EXPECT_EQ(MmluQuestionPrompt(kQuestion),
            "Fastest?\nA. light\nB. sound\nC. car\nD. snail\nAnswer:");
  EXPECT_EQ(MmluShot(kShots[1]),
            "Unit of force?\nA. newton\nB. joule\nC. watt\nD. volt\nAnswer: A\n\n");
  EXPECT_THAT(MmluContinuations(), ElementsAre(" A", " B", " C", " D"));
}

TEST_F(PromptsTest, MmluFiveShotPromptUnderTheDefaultCap) {
  EXPECT_EQ(MmluPrompt("high_school_physics", kShots, kQuestion), kFiveShotPrompt);
  auto prompt = BuildMmluPrompt(*tokenizer_, "high_school_physics", kShots, kQuestion, 5, 2048);
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  EXPECT_EQ(prompt->text, kFiveShotPrompt);
  EXPECT_EQ(prompt->shots, 5);
  EXPECT_EQ(prompt->tokens, Tokens(kFiveShotPrompt));
}

TEST_F(PromptsTest, MmluDropsShotsFromTheLastWhileThePromptExceedsTheCap) {
  const int two_shot_tokens = Tokens(kTwoShotPrompt);
  auto prompt =
      BuildMmluPrompt(*tokenizer_, "high_school_physics", kShots, kQuestion, 5, two_shot_tokens);
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  EXPECT_EQ(prompt->shots, 2);
  EXPECT_EQ(prompt->text, kTwoShotPrompt);
  EXPECT_EQ(prompt->tokens, two_shot_tokens);

  prompt = BuildMmluPrompt(*tokenizer_, "high_school_physics", kShots, kQuestion, 5,
                           two_shot_tokens - 1);
  EXPECT_EQ(prompt->shots, 1);
  // No shot fits: the zero-shot prompt is kept whole.
  prompt = BuildMmluPrompt(*tokenizer_, "high_school_physics", kShots, kQuestion, 5, 10);
  EXPECT_EQ(prompt->shots, 0);
  EXPECT_EQ(prompt->text,
            "The following are multiple choice questions (with answers) about high school "
            "physics.\n\nFastest?\nA. light\nB. sound\nC. car\nD. snail\nAnswer:");
  // Fewer dev rows than requested shots: all of them.
  prompt = BuildMmluPrompt(*tokenizer_, "high_school_physics",
                           absl::MakeConstSpan(kShots).subspan(0, 2), kQuestion, 5, 2048);
  EXPECT_EQ(prompt->text, kTwoShotPrompt);
}

TEST_F(PromptsTest, ArcWithNumericLabels) {
  ArcItem item;
  item.stem = "Which of these is hottest?";
  item.choices = {"ice", "boiling water", "the Sun's surface", "snow"};
  item.labels = {"1", "2", "3", "4"};
  item.answer = 2;
  EXPECT_EQ(ArcPrompt(item), "Question: Which of these is hottest?\nAnswer:");
  EXPECT_THAT(ArcContinuations(item),
              ElementsAre(" ice", " boiling water", " the Sun's surface", " snow"));
}

TEST_F(PromptsTest, Boolq) {
  BoolqItem item;
  item.passage = "Water boils at 100 degrees Celsius at sea level.";
  item.question = "does water boil at 100 degrees celsius";
  item.answer = true;
  EXPECT_EQ(BoolqPrompt(item),
            "Water boils at 100 degrees Celsius at sea level.\n"
            "Question: does water boil at 100 degrees celsius?\nAnswer:");
  EXPECT_THAT(BoolqContinuations(), ElementsAre(" no", " yes"));
}

TEST_F(PromptsTest, Gsm8kFiveShot) {
  std::vector<Gsm8kItem> shots;
  for (int i = 1; i <= 5; ++i) {
    Gsm8kItem shot;
    shot.question = absl::StrCat("What is ", i, " + ", i, "?");
    shot.answer =
        absl::StrCat(i, " + ", i, " = <<", i, "+", i, "=", 2 * i, ">>", 2 * i, "\n#### ", 2 * i);
    shots.push_back(shot);
  }
  Gsm8kItem item;
  item.question = "Tom has 3 apples and buys 4 more. How many apples does he have?";
  EXPECT_EQ(Gsm8kPrompt(shots, item),
            "Question: What is 1 + 1?\nAnswer: 1 + 1 = <<1+1=2>>2\n#### 2\n\n"
            "Question: What is 2 + 2?\nAnswer: 2 + 2 = <<2+2=4>>4\n#### 4\n\n"
            "Question: What is 3 + 3?\nAnswer: 3 + 3 = <<3+3=6>>6\n#### 6\n\n"
            "Question: What is 4 + 4?\nAnswer: 4 + 4 = <<4+4=8>>8\n#### 8\n\n"
            "Question: What is 5 + 5?\nAnswer: 5 + 5 = <<5+5=10>>10\n#### 10\n\n"
            "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\n"
            "Answer:");
  EXPECT_EQ(Gsm8kShot(shots[0]),
            "Question: What is 1 + 1?\nAnswer: 1 + 1 = <<1+1=2>>2\n#### 2\n\n");
}

TEST_F(PromptsTest, RequestsTokeniseContextAndContinuationTogetherAndSplitAtTheContext) {
  auto requests = BuildRequests(*tokenizer_, "Q: hi\nAnswer:", {" yes", " no"});
  ASSERT_TRUE(requests.ok()) << requests.status();
  ASSERT_EQ(requests->size(), 2u);
  const ContinuationRequest& yes = (*requests)[0];
  EXPECT_EQ(yes.context_length, Tokens("Q: hi\nAnswer:"));
  EXPECT_EQ(yes.tokens[0], kByteLevelBosId);
  EXPECT_THAT(std::vector<int32_t>(yes.tokens.begin() + yes.context_length, yes.tokens.end()),
              ElementsAre(' ', 'y', 'e', 's'));
  // " t" + "he" merges into one token across the boundary: the split keeps one continuation token.
  requests = BuildRequests(*tokenizer_, "x t", {"he"});
  ASSERT_TRUE(requests.ok()) << requests.status();
  EXPECT_THAT((*requests)[0].tokens, ElementsAre(kByteLevelBosId, 'x', 258));
  EXPECT_EQ((*requests)[0].context_length, 2);
}

TEST_F(PromptsTest, EncodeWithBosNeverAppendsEos) {
  std::ofstream(dir_.Sub("tokenizer_config.json"))
      << R"({"add_bos_token": true, "add_eos_token": true, "bos_token": "<|begin_of_text|>",)"
      << R"( "eos_token": "<|end_of_text|>"})";
  auto tokenizer = Tokenizer::FromDirectory(dir_.path());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_THAT(*(*tokenizer)->Encode("ab", true),
              ElementsAre(kByteLevelBosId, 'a', 'b', kByteLevelEosId));
  EXPECT_THAT(*EncodeWithBos(**tokenizer, "ab"), ElementsAre(kByteLevelBosId, 'a', 'b'));
}

}  // namespace
}  // namespace depthlab::engine::tasks
