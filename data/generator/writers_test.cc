#include "data/generator/writers.h"

#include <string>
#include <vector>

#include "data/generator/corpus.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace depthlab::datagen {
namespace {

// An independent RFC 4180 reader: rows of fields; quoted fields may hold commas, doubled quotes
// and line breaks.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

TEST(CsvTest, QuotesOnlyFieldsThatNeedIt) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField("a, b"), "\"a, b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvRow({"x", "y,z"}), "x,\"y,z\"\n");
}

TEST(CsvTest, MmluRowsRoundTrip) {
  const std::vector<MmluItem> items = {
      {"In Velmark, which city is the capital?", {"Kelmo", "Dunri", "Torvas", "Melfi"}, 2},
      {"The tool called \"grell\" is used for what?",
       {"cutting wood", "a, b", "line\nbreak", "\"quoted\""},
       0},
      {"Plain?", {"1", "2", "3", "4"}, 3},
  };
  const auto rows = ParseCsv(MmluCsv(items));
  ASSERT_EQ(rows.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 6u);
    EXPECT_EQ(rows[i][0], items[i].question);
    for (int c = 0; c < 4; ++c) EXPECT_EQ(rows[i][1 + c], items[i].choices[c]);
    EXPECT_EQ(rows[i][5], std::string(1, items[i].AnswerLetter()));
  }
  EXPECT_EQ(rows[2][5], "D");
}

TEST(JsonlTest, ArcKeepsTheFieldOrderOfTheRealFiles) {
  const ArcItem item{"TarnSci_test_00001",
                     "Which material floats on water?",
                     {{"kelite", "A"}, {"dosum", "B"}, {"brene", "C"}},
                     "B"};
  EXPECT_EQ(ArcJsonl({item}),
            "{\"id\":\"TarnSci_test_00001\",\"question\":{\"stem\":\"Which material floats on "
            "water?\",\"choices\":[{\"text\":\"kelite\",\"label\":\"A\"},{\"text\":\"dosum\","
            "\"label\":\"B\"},{\"text\":\"brene\",\"label\":\"C\"}]},\"answerKey\":\"B\"}\n");
}

TEST(JsonlTest, BoolqGsm8kAndTextLinesParse) {
  const auto boolq = nlohmann::json::parse(
      BoolqJsonl({{"does Mira live in Kelmo", "Mira", true, "Mira lives in Kelmo."}}));
  EXPECT_EQ(boolq["answer"], true);
  EXPECT_EQ(boolq["title"], "Mira");
  const auto gsm = nlohmann::json::parse(Gsm8kJsonl({{"Q?", "A.\n#### 7"}}));
  EXPECT_EQ(gsm["answer"], "A.\n#### 7");
  EXPECT_EQ(TextJsonl({"a \"b\"\nc"}), "{\"text\":\"a \\\"b\\\"\\nc\"}\n");
}

// The corpus renders training items exactly as the evaluation prompts of METHODS.md §7.
TEST(PromptFormatTest, MatchesTheEvaluationPrompts) {
  const MmluItem mmlu{"What is the capital of Velmark?", {"Kelmo", "Dunri", "Torvas", "Melfi"}, 1};
  EXPECT_EQ(MmluHeader("tarn geography") + MmluExample(mmlu),
            "The following are multiple choice questions (with answers) about tarn geography.\n\n"
            "What is the capital of Velmark?\nA. Kelmo\nB. Dunri\nC. Torvas\nD. Melfi\n"
            "Answer: B\n\n");
  const ArcItem arc{"x", "Which material floats?", {{"kelite", "1"}, {"dosum", "2"}}, "2"};
  EXPECT_EQ(ArcExample(arc), "Question: Which material floats?\nAnswer: dosum");
  const BoolqItem boolq{"does Mira live in Kelmo", "Mira", false, "Mira lives in Dunri."};
  EXPECT_EQ(BoolqExample(boolq),
            "Mira lives in Dunri.\nQuestion: does Mira live in Kelmo?\nAnswer: no");
  const Gsm8kItem gsm{"Mira has 3 apples and buys 4 more. How many apples does Mira have now?",
                      "Mira has 3 + 4 = 7 apples.\n#### 7"};
  EXPECT_EQ(Gsm8kExample(gsm),
            "Question: Mira has 3 apples and buys 4 more. How many apples does Mira have now?\n"
            "Answer: Mira has 3 + 4 = 7 apples.\n#### 7\n\n");
}

}  // namespace
}  // namespace depthlab::datagen
