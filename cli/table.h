// Plain-text tables for terminal output: a header row and data rows, columns padded to their
// widest cell (counted in UTF-8 characters, so "±" is one), two spaces apart, no trailing spaces.
// Thread-compatible.
//
//   TextTable table({"UNIT", "VALUE"}, {false, true});  // VALUE right-aligned
//   table.AddRow({"block:3", "0.125"});
//   std::cout << table.Render();
#ifndef DEPTHLAB_CLI_TABLE_H_
#define DEPTHLAB_CLI_TABLE_H_

#include <string>
#include <vector>

namespace depthlab::cli {

class TextTable {
 public:
  // `right_align[i]` right-aligns column i (numbers); missing entries mean left-aligned.
  explicit TextTable(std::vector<std::string> header, std::vector<bool> right_align = {});

  // Short rows are padded with empty cells; cells past the header's width are dropped.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Header, then rows, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_align_;
  std::vector<std::vector<std::string>> rows_;
};

// Characters (UTF-8 code points) in `text`.
size_t DisplayWidth(const std::string& text);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_TABLE_H_
