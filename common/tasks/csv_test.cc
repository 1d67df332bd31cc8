// The CSV reader on the quoting MMLU's release files use (commas, line breaks and doubled quotes
// inside quoted fields) and on malformed input, whose errors name the file and line.
#include "common/tasks/csv.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace depthlab::tasks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CsvTest, QuotedFieldsKeepCommasLineBreaksAndDoubledQuotes) {
  const std::string text =
      "What is 2+2?,\"three, or so\",4,\"say \"\"five\"\"\",\"six\nor\r\nseven\",B\r\n"
      "plain,a,b,c,d,A\n";
  auto records = ParseCsv(text, "test/x_test.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_THAT((*records)[0].fields, ElementsAre("What is 2+2?", "three, or so", "4", "say \"five\"",
                                                "six\nor\r\nseven", "B"));
  EXPECT_EQ((*records)[0].line, 1);
  EXPECT_THAT((*records)[1].fields, ElementsAre("plain", "a", "b", "c", "d", "A"));
  EXPECT_EQ((*records)[1].line, 4);  // the quoted field spanned lines 1-3
}

TEST(CsvTest, EmptyFieldsBlankLinesByteOrderMarkAndNoFinalNewline) {
  auto records = ParseCsv(
      "\xEF\xBB\xBF"
      "a,,\"\"\n\n\r\n,x,\nlast",
      "f.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_THAT((*records)[0].fields, ElementsAre("a", "", ""));
  EXPECT_THAT((*records)[1].fields, ElementsAre("", "x", ""));
  EXPECT_EQ((*records)[1].line, 4);
  EXPECT_THAT((*records)[2].fields, ElementsAre("last"));
  EXPECT_EQ((*records)[2].line, 5);
}

TEST(CsvTest, QuoteInsideAnUnquotedFieldIsKeptLiterally) {
  auto records = ParseCsv("the \"best\" answer,B\n", "f.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT((*records)[0].fields, ElementsAre("the \"best\" answer", "B"));
}

TEST(CsvTest, UnterminatedQuoteNamesTheFileAndTheLineItOpensOn) {
  auto records = ParseCsv("a,b,c,d,e,A\nq,\"never closed,\nstill open\n,C\n", "dev/x_dev.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(records.status().message(), HasSubstr("dev/x_dev.csv:2: unterminated quoted field"));
}

TEST(CsvTest, TextAfterAClosingQuoteIsAnError) {
  auto records = ParseCsv("ok,1\n\"quoted\"tail,2\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(records.status().message(), HasSubstr("f.csv:2: unexpected text after a closing"));
}

TEST(CsvTest, ReadCsvFileReadsAFileAndReportsAMissingOne) {
  ::depthlab::testing::TempDir dir;
  std::ofstream(dir.Sub("a.csv")) << "x,\"y\nz\"\n";
  auto records = ReadCsvFile(dir.Sub("a.csv"));
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT((*records)[0].fields, ElementsAre("x", "y\nz"));
  EXPECT_EQ(ReadCsvFile(dir.Sub("missing.csv")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace depthlab::tasks
