#include "data/generator/gsm8k_items.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "data/generator/names.h"
#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

const std::vector<std::string>& Things() {
  static const auto* things = new std::vector<std::string>{
      "apples", "pears", "shells", "stones", "coins", "books", "marbles", "pencils",
      "eggs",   "cups",  "plums",  "beads",  "cards", "nuts",  "buttons", "stamps"};
  return *things;
}

// A problem template: question and worked answer with {N}, {M} (people), {x} (things) and
// {a} {b} {c} {d} {e} (numbers; c and e are results, at least 2 so that nouns stay plural).
struct Pattern {
  const char* question;
  const char* answer;
};

// Draws the numbers for one problem shape; returns {a, b, c, d, e}.
using NumberDraw = std::array<int, 5> (*)(Rng&);

std::array<int, 5> Add(Rng& rng) {
  const int a = rng.Range(1, 20), b = rng.Range(1, 20);
  return {a, b, a + b, 0, 0};
}
std::array<int, 5> Sub(Rng& rng) {
  const int a = rng.Range(3, 30), b = rng.Range(1, a - 2);
  return {a, b, a - b, 0, 0};
}
std::array<int, 5> Mul(Rng& rng) {
  const int a = rng.Range(2, 9), b = rng.Range(2, 9);
  return {a, b, a * b, 0, 0};
}
std::array<int, 5> Div(Rng& rng) {
  const int b = rng.Range(2, 9), c = rng.Range(2, 9);
  return {b * c, b, c, 0, 0};
}
std::array<int, 5> AddThenSub(Rng& rng) {
  const int a = rng.Range(2, 15), b = rng.Range(1, 10), d = rng.Range(1, a + b - 2);
  return {a, b, a + b, d, a + b - d};
}
std::array<int, 5> MulThenAdd(Rng& rng) {
  const int a = rng.Range(2, 5), b = rng.Range(2, 5), d = rng.Range(1, 10);
  return {a, b, a * b, d, a * b + d};
}
std::array<int, 5> SubThenSub(Rng& rng) {
  const int a = rng.Range(6, 25), b = rng.Range(1, a - 4), d = rng.Range(1, a - b - 2);
  return {a, b, a - b, d, a - b - d};
}

struct Shape {
  NumberDraw draw;
  std::vector<Pattern> patterns;
};

const std::vector<Shape>& OneStepShapes() {
  static const auto* shapes = new std::vector<Shape>{
      {Add,
       {{"{N} has {a} {x} and buys {b} more. How many {x} does {N} have now?",
         "{N} has {a} + {b} = {c} {x}."},
        {"{N} has {a} {x}. {M} gives {N} {b} more {x}. How many {x} does {N} have now?",
         "{N} has {a} + {b} = {c} {x}."},
        {"{N} has {a} {x}. {M} has {b} more {x} than {N}. How many {x} does {M} have?",
         "{M} has {a} + {b} = {c} {x}."}}},
      {Sub,
       {{"{N} has {a} {x} and gives {b} to {M}. How many {x} does {N} have now?",
         "{N} has {a} - {b} = {c} {x}."},
        {"{N} has {a} {x} and loses {b} of them. How many {x} does {N} have now?",
         "{N} has {a} - {b} = {c} {x}."},
        {"{N} has {a} {x}. {M} has {b} fewer {x} than {N}. How many {x} does {M} have?",
         "{M} has {a} - {b} = {c} {x}."}}},
      {Mul,
       {{"{N} has {a} bags with {b} {x} in each bag. How many {x} does {N} have in all?",
         "{N} has {a} * {b} = {c} {x}."},
        {"{N} buys {a} boxes of {x}. Each box holds {b} {x}. How many {x} does {N} buy?",
         "{N} buys {a} * {b} = {c} {x}."}}},
      {Div,
       {{"{N} shares {a} {x} equally among {b} friends. How many {x} does each friend get?",
         "Each friend gets {a} / {b} = {c} {x}."},
        {"{N} puts {a} {x} into {b} equal rows. How many {x} are in each row?",
         "Each row has {a} / {b} = {c} {x}."}}},
  };
  return *shapes;
}

const std::vector<Shape>& TwoStepShapes() {
  static const auto* shapes = new std::vector<Shape>{
      {AddThenSub,
       {{"{N} has {a} {x} and buys {b} more. Then {N} gives {d} to {M}. How many {x} does {N} "
         "have now?",
         "{N} has {a} + {b} = {c} {x}. Then {N} has {c} - {d} = {e} {x}."}}},
      {MulThenAdd,
       {{"{N} has {a} bags with {b} {x} in each bag and {d} more {x} on a shelf. How many {x} "
         "does {N} have in all?",
         "The bags hold {a} * {b} = {c} {x}. {N} has {c} + {d} = {e} {x} in all."}}},
      {SubThenSub,
       {{"{N} has {a} {x}. {N} gives {b} to {M} and then loses {d}. How many {x} does {N} have "
         "now?",
         "{N} has {a} - {b} = {c} {x}. Then {N} has {c} - {d} = {e} {x}."}}},
  };
  return *shapes;
}

Gsm8kItem MakeProblem(double two_step_rate, Rng& rng) {
  const std::vector<Shape>& shapes = rng.Chance(two_step_rate) ? TwoStepShapes() : OneStepShapes();
  const Shape& shape = rng.Pick(shapes);
  const Pattern& pattern = rng.Pick(shape.patterns);
  const std::array<int, 5> n = shape.draw(rng);
  const std::vector<int> people = rng.Sample(static_cast<int>(GivenNames().size()), 2);
  const std::vector<std::pair<std::string, std::string>> fill = {
      {"{N}", GivenNames()[people[0]].name}, {"{M}", GivenNames()[people[1]].name},
      {"{x}", rng.Pick(Things())},           {"{a}", absl::StrCat(n[0])},
      {"{b}", absl::StrCat(n[1])},           {"{c}", absl::StrCat(n[2])},
      {"{d}", absl::StrCat(n[3])},           {"{e}", absl::StrCat(n[4])}};
  const bool two_step = absl::StrContains(pattern.answer, "{e}");
  const int result = two_step ? n[4] : n[2];
  return Gsm8kItem{absl::StrReplaceAll(pattern.question, fill),
                   absl::StrCat(absl::StrReplaceAll(pattern.answer, fill), "\n#### ", result)};
}

}  // namespace

absl::StatusOr<Split<Gsm8kItem>> MakeGsm8kItems(const Gsm8kOptions& options, uint64_t seed) {
  Rng rng(seed, "gsm8k");
  Split<Gsm8kItem> split;
  std::set<std::string> seen;
  const int wanted = options.test + options.train;
  for (int attempts = 0; static_cast<int>(seen.size()) < wanted; ++attempts) {
    if (attempts > 100 * wanted) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "gsm8k: only %d distinct problems found (asked for %d)", seen.size(), wanted));
    }
    Gsm8kItem item = MakeProblem(options.two_step_rate, rng);
    if (!seen.insert(item.question).second) continue;
    (static_cast<int>(split.test.size()) < options.test ? split.test : split.train)
        .push_back(std::move(item));
  }
  return split;
}

std::vector<std::string> MakeArithmeticDrills(int repeats, uint64_t seed) {
  std::vector<std::string> facts;
  for (int a = 1; a <= 25; ++a) {
    for (int b = 1; b <= 20; ++b) facts.push_back(absl::StrFormat("%d + %d = %d", a, b, a + b));
  }
  for (int a = 2; a <= 30; ++a) {
    for (int b = 1; b < a; ++b) facts.push_back(absl::StrFormat("%d - %d = %d", a, b, a - b));
  }
  for (int a = 2; a <= 9; ++a) {
    for (int b = 2; b <= 9; ++b) {
      facts.push_back(absl::StrFormat("%d * %d = %d", a, b, a * b));
      facts.push_back(absl::StrFormat("%d / %d = %d", a * b, b, a));
    }
  }
  std::vector<std::string> all;
  for (int r = 0; r < repeats; ++r) all.insert(all.end(), facts.begin(), facts.end());
  Rng rng(seed, "drills");
  rng.Shuffle(all);
  constexpr size_t kFactsPerDoc = 24;
  std::vector<std::string> docs;
  for (size_t i = 0; i < all.size(); i += kFactsPerDoc) {
    const size_t end = std::min(all.size(), i + kFactsPerDoc);
    docs.push_back(absl::StrJoin(all.begin() + i, all.begin() + end, "\n"));
  }
  return docs;
}

}  // namespace depthlab::datagen
