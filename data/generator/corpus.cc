#include "data/generator/corpus.h"

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "data/generator/gsm8k_items.h"
#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

using Strings = std::vector<std::string>;

// Splits shuffled sentences into paragraphs of `size` sentences.
void AppendParagraphs(Strings sentences, int size, Rng& rng, Strings* docs) {
  rng.Shuffle(sentences);
  for (size_t i = 0; i < sentences.size(); i += size) {
    const size_t end = std::min(sentences.size(), i + size);
    docs->push_back(absl::StrJoin(sentences.begin() + i, sentences.begin() + end, " "));
  }
}

// `repeats` renderings of a fact, using its templates in turn from a random start, so every
// template is used about equally often.
void StateRepeatedly(const Strings& templates, const std::string& entity, const std::string& value,
                     int repeats, Rng& rng, Strings* out) {
  const int offset = rng.Uniform(static_cast<int>(templates.size()));
  for (int k = 0; k < repeats; ++k) {
    out->push_back(FillFact(templates[(offset + k) % templates.size()], entity, value));
  }
}

Strings FactParagraphs(const World& world, const CorpusOptions& options, Rng& rng) {
  Strings docs;
  for (const Subject& s : world.subjects) {
    Strings sentences;
    for (const Relation& r : s.relations) {
      for (size_t e = 0; e < s.entities.size(); ++e) {
        StateRepeatedly(r.statements, s.entities[e], r.ValueOf(static_cast<int>(e)),
                        options.statement_repeats, rng, &sentences);
      }
    }
    AppendParagraphs(std::move(sentences), options.statements_per_paragraph, rng, &docs);
  }
  Strings science;
  for (const Material& m : world.materials) {
    for (size_t p = 0; p < world.properties.size(); ++p) {
      const Property& property = world.properties[p];
      Strings filled;
      for (const std::string& t : m.has[p] ? property.true_statements : property.false_statements) {
        filled.push_back(absl::StrReplaceAll(t, {{"{m}", m.name}}));
      }
      StateRepeatedly(filled, "", "", options.statement_repeats, rng, &science);
    }
  }
  for (const ScienceRule& rule : world.science_rules) {
    StateRepeatedly(rule.statements, "", "", options.statement_repeats, rng, &science);
  }
  AppendParagraphs(std::move(science), options.statements_per_paragraph, rng, &docs);
  return docs;
}

std::string Trimmed(std::string s) {
  absl::StripTrailingAsciiWhitespace(&s);
  return s;
}

// Five-shot-style blocks: the subject header and `size` answered questions. Pass 0 renders the
// train split as it is; each further pass shuffles the questions and the order of their choices,
// so the model sees every answer letter for every fact and must read the options to answer.
void AppendMmluBlocks(const MmluSubjectItems& subject, int size, int passes, Rng& rng,
                      Strings* docs) {
  for (int pass = 0; pass < passes; ++pass) {
    std::vector<MmluItem> items = subject.train;
    if (pass > 0) {
      rng.Shuffle(items);
      for (MmluItem& item : items) {
        std::vector<int> order = {0, 1, 2, 3};
        rng.Shuffle(order);
        const std::array<std::string, 4> choices = item.choices;
        int answer = 0;
        for (int k = 0; k < 4; ++k) {
          item.choices[k] = choices[order[k]];
          if (order[k] == item.answer) answer = k;
        }
        item.answer = answer;
      }
    }
    for (size_t i = 0; i < items.size(); i += size) {
      std::string block = MmluHeader(subject.words);
      const size_t end = std::min(items.size(), i + size);
      for (size_t j = i; j < end; ++j) absl::StrAppend(&block, MmluExample(items[j]));
      docs->push_back(Trimmed(std::move(block)));
    }
  }
}

void AppendGsm8kBlocks(const std::vector<Gsm8kItem>& items, int size, Strings* docs) {
  for (size_t i = 0; i < items.size(); i += size) {
    std::string block;
    const size_t end = std::min(items.size(), i + size);
    for (size_t j = i; j < end; ++j) absl::StrAppend(&block, Gsm8kExample(items[j]));
    docs->push_back(Trimmed(std::move(block)));
  }
}

// Every entity, relation value and material name, once each, in world order.
Strings DrillWords(const World& world) {
  Strings words;
  std::set<std::string> seen;
  const auto add = [&](const std::string& w) {
    if (seen.insert(w).second) words.push_back(w);
  };
  for (const Subject& s : world.subjects) {
    for (const std::string& e : s.entities) add(e);
    for (const Relation& r : s.relations) {
      for (const std::string& v : r.values) add(v);
    }
  }
  for (const Material& m : world.materials) add(m.name);
  return words;
}

Strings PickWords(const Strings& words, int k, Rng& rng) {
  Strings out;
  for (int i : rng.Sample(static_cast<int>(words.size()), k)) out.push_back(words[i]);
  return out;
}

// "a, b and c"
std::string ListedWithAnd(const Strings& words) {
  if (words.size() == 1) return words[0];
  return absl::StrCat(absl::StrJoin(words.begin(), words.end() - 1, ", "), " and ", words.back());
}

// One lookup drill over world words, whose answer can only be read from the drill itself.
enum class DrillKind {
  kAgain,   // "Say these again: a, b, c.\nAgain: a, b, c."
  kLetter,  // "Which of these is b?\nA. a\nB. b\nC. c\nD. d\nAnswer: B"
  kBox,     // "The box holds a, b and c.\nQuestion: does the box hold d?\nAnswer: no"
};

std::string LookupDrill(DrillKind kind, const std::vector<std::string>& words, Rng& rng) {
  switch (kind) {
    case DrillKind::kAgain: {
      const std::string list = absl::StrJoin(PickWords(words, rng.Range(3, 8), rng), ", ");
      return absl::StrCat("Say these again: ", list, ".\nAgain: ", list, ".");
    }
    case DrillKind::kLetter: {
      const Strings options = PickWords(words, 4, rng);
      const int answer = rng.Uniform(4);
      return absl::StrCat("Which of these is ", options[answer], "?\nA. ", options[0], "\nB. ",
                          options[1], "\nC. ", options[2], "\nD. ", options[3],
                          "\nAnswer: ", std::string(1, static_cast<char>('A' + answer)));
    }
    case DrillKind::kBox:
      break;
  }
  Strings picked = PickWords(words, rng.Range(3, 6), rng);
  const std::string asked = picked.back();  // held back: the "no" answer
  picked.pop_back();
  const bool yes = rng.Chance(0.5);
  const std::string question = yes ? rng.Pick(picked) : asked;
  return absl::StrCat("The box holds ", ListedWithAnd(picked), ".\nQuestion: does the box hold ",
                      question, "?\nAnswer: ", yes ? "yes" : "no");
}

// A lookup drill of a random kind. They teach the copying and matching that MMLU's letters and
// BoolQ's passages need, on no task's items. The letter and box drills, which those tasks need,
// are each twice as common as the repeated list.
std::string CopyDrill(const std::vector<std::string>& words, Rng& rng) {
  static constexpr DrillKind kKinds[5] = {DrillKind::kAgain, DrillKind::kLetter, DrillKind::kLetter,
                                          DrillKind::kBox, DrillKind::kBox};
  return LookupDrill(kKinds[rng.Uniform(5)], words, rng);
}

}  // namespace

std::string MmluHeader(const std::string& words) {
  return absl::StrCat("The following are multiple choice questions (with answers) about ", words,
                      ".\n\n");
}

std::string MmluExample(const MmluItem& item) {
  return absl::StrCat(item.question, "\nA. ", item.choices[0], "\nB. ", item.choices[1], "\nC. ",
                      item.choices[2], "\nD. ", item.choices[3],
                      "\nAnswer: ", std::string(1, item.AnswerLetter()), "\n\n");
}

std::string ArcExample(const ArcItem& item) {
  std::string answer;
  for (const ArcChoice& c : item.choices) {
    if (c.label == item.answer_key) answer = c.text;
  }
  return absl::StrCat("Question: ", item.stem, "\nAnswer: ", answer);
}

std::string BoolqExample(const BoolqItem& item) {
  return absl::StrCat(item.passage, "\nQuestion: ", item.question,
                      "?\nAnswer: ", item.answer ? "yes" : "no");
}

std::string Gsm8kExample(const Gsm8kItem& item) {
  return absl::StrCat("Question: ", item.question, "\nAnswer: ", item.answer, "\n\n");
}

std::vector<std::string> BuildCorpus(const World& world, const Benchmark& tasks,
                                     const CorpusOptions& options, uint64_t seed) {
  Rng rng(seed, "corpus");
  Strings docs = FactParagraphs(world, options, rng);
  for (const MmluSubjectItems& subject : tasks.mmlu) {
    AppendMmluBlocks(subject, options.mmlu_block_questions, options.mmlu_passes, rng, &docs);
  }
  for (const ArcItem& item : tasks.arc.train) docs.push_back(ArcExample(item));
  for (const BoolqItem& item : tasks.boolq.train) docs.push_back(BoolqExample(item));
  AppendGsm8kBlocks(tasks.gsm8k.train, options.gsm8k_block_questions, &docs);
  for (std::string& drill : MakeArithmeticDrills(options.drill_repeats, seed)) {
    docs.push_back(std::move(drill));
  }
  docs.insert(docs.end(), tasks.calibration.train.begin(), tasks.calibration.train.end());
  const Strings words = DrillWords(world);
  Rng drills(seed, "copy_drills");
  for (int d = 0; d < options.copy_drill_documents; ++d) {
    Strings doc;
    for (int k = 0; k < options.copy_drills_per_document; ++k)
      doc.push_back(CopyDrill(words, drills));
    docs.push_back(absl::StrJoin(doc, "\n\n"));
  }
  rng.Shuffle(docs);
  return docs;
}

std::vector<std::string> BuildWarmupCorpus(const World& world, const CorpusOptions& options,
                                           uint64_t seed) {
  const Strings words = DrillWords(world);
  Rng rng(seed, "warmup_drills");
  Strings docs;
  for (int i = 0; i < options.warmup_box_drills; ++i)
    docs.push_back(LookupDrill(DrillKind::kBox, words, rng));
  for (int i = 0; i < options.warmup_letter_drills; ++i)
    docs.push_back(LookupDrill(DrillKind::kLetter, words, rng));
  rng.Shuffle(docs);
  return docs;
}

}  // namespace depthlab::datagen
