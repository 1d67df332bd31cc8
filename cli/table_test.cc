#include "cli/table.h"

#include "gtest/gtest.h"

namespace depthlab::cli {
namespace {

TEST(TableTest, PadsColumnsAndAlignsNumbersRight) {
  TextTable table({"UNIT", "VALUE", "NOTE"}, {false, true});
  table.AddRow({"block:3", "0.5", "x"});
  table.AddRow({"attn:12", "-0.0125", ""});
  EXPECT_EQ(table.Render(),
            "UNIT       VALUE  NOTE\n"
            "block:3      0.5  x\n"
            "attn:12  -0.0125\n");
}

TEST(TableTest, CountsUtf8CharactersNotBytes) {
  EXPECT_EQ(DisplayWidth("0.5 ± 0.1"), 9u);
  TextTable table({"A", "B"});
  table.AddRow({"1 ± 2", "x"});
  table.AddRow({"10", "y"});
  EXPECT_EQ(table.Render(),
            "A      B\n"
            "1 ± 2  x\n"
            "10     y\n");
}

TEST(TableTest, ShortRowsArePadded) {
  TextTable table({"A", "B", "C"});
  table.AddRow({"x"});
  EXPECT_EQ(table.Render(), "A  B  C\nx\n");
  EXPECT_FALSE(table.empty());
}

}  // namespace
}  // namespace depthlab::cli
