#include "data/generator/boolq_items.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "data/generator/names.h"
#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

using Strings = std::vector<std::string>;

// One thing a passage can state, with the yes/no question that asks it. {x} is the passage's
// subject, {v} the value.
struct Slot {
  std::string statement;
  std::string question;
  Strings values;
};

// Colours that read well after "a" ("a red hat", never "a orange hat").
Strings ConsonantColours(const World& world) {
  Strings colours;
  for (const std::string& c : world.GetSubject("tarn_biology").GetRelation("colour").values) {
    if (c != "orange") colours.push_back(c);
  }
  return colours;
}

std::vector<Slot> PersonSlots(const World& world) {
  const Subject& geography = world.GetSubject("tarn_geography");
  return {
      {"{x} lives in {v}.", "does {x} live in {v}", geography.GetRelation("capital").values},
      {"{x} works as a {v}.",
       "does {x} work as a {v}",
       {"baker", "farmer", "sailor", "teacher", "potter", "weaver", "miner", "builder", "fisher",
        "painter"}},
      {"{x} keeps a {v} as a pet.",
       "does {x} keep a {v} as a pet",
       {"cat", "dog", "goat", "parrot", "rabbit", "horse", "duck", "pig"}},
      {"{x} wears a {v} hat.", "does {x} wear a {v} hat", ConsonantColours(world)},
      {"{x} likes to eat {v}.", "does {x} like to eat {v}",
       world.GetSubject("tarn_cuisine").GetRelation("ingredient").values},
      {"Last year {x} visited {v}.", "did {x} visit {v} last year", geography.entities},
      {"{x} has {v} brothers.",
       "does {x} have {v} brothers",
       {"two", "three", "four", "five", "six"}},
  };
}

std::vector<Slot> VillageSlots(const World& world) {
  const Subject& geography = world.GetSubject("tarn_geography");
  return {
      {"{x} is a small village in {v}.", "is {x} a village in {v}", geography.entities},
      {"The houses in {x} have {v} roofs.", "do the houses in {x} have {v} roofs",
       ConsonantColours(world)},
      {"Most people in {x} grow {v}.", "do most people in {x} grow {v}",
       geography.GetRelation("crop").values},
      {"The {v} runs past {x}.", "does the {v} run past {x}",
       geography.GetRelation("river").values},
      {"Every year {x} holds a festival in {v}.",
       "does {x} hold a festival in {v}",
       {"spring", "summer", "autumn", "winter"}},
      {"About {v} hundred people live in {x}.",
       "do about {v} hundred people live in {x}",
       {"two", "three", "four", "five", "six", "seven", "eight", "nine"}},
  };
}

std::vector<Slot> ShipSlots(const World& world) {
  Strings captains;
  for (const GivenName& g : GivenNames()) captains.push_back(g.name);
  return {
      {"{x} is a ship from {v}.", "is {x} a ship from {v}",
       world.GetSubject("tarn_geography").GetRelation("capital").values},
      {"{x} has {v} sails.", "does {x} have {v} sails", ConsonantColours(world)},
      {"{x} carries {v} across the sea.",
       "does {x} carry {v} across the sea",
       {"salt", "wool", "timber", "grain", "spices", "cloth", "iron", "oil", "fish", "tea"}},
      {"A crew of {v} sailors works on {x}.",
       "does {x} have a crew of {v} sailors",
       {"6", "7", "8", "9", "10", "11", "12", "14", "15", "16", "18", "20"}},
      {"The captain of {x} is {v}.", "is {v} the captain of {x}", captains},
  };
}

// What a passage is about and how it is named.
struct PassageSubject {
  const std::vector<Slot>* slots;
  std::string name;     // as it fills {x}: "Mira", "Dunkelmi", "the Torvasri"
  std::string pronoun;  // for later sentences about a person; empty otherwise
  std::string title;
};

// Draws passages and questions. Not thread-safe; keeps a reference to `rng`, which must outlive
// it.
class BoolqDrafter {
 public:
  BoolqDrafter(const World& world, Rng* rng)
      : rng_(*rng),
        person_(PersonSlots(world)),
        village_(VillageSlots(world)),
        ship_(ShipSlots(world)) {
    NameForge forge(&rng_);
    villages_ = MakeLongNames(forge, 120);
    ships_ = MakeLongNames(forge, 120);
  }

  // A passage and a question whose answer is `answer`.
  BoolqItem Next(bool answer) {
    const PassageSubject subject = NextSubject();
    const std::vector<Slot>& slots = *subject.slots;
    const std::vector<int> chosen = rng_.Sample(static_cast<int>(slots.size()), rng_.Range(2, 4));
    const int asked = rng_.Uniform(static_cast<int>(chosen.size()));
    Strings sentences;
    BoolqItem item{"", subject.title, answer, ""};
    for (int i = 0; i < static_cast<int>(chosen.size()); ++i) {
      const Slot& slot = slots[chosen[i]];
      const int v = rng_.Uniform(static_cast<int>(slot.values.size()));
      const bool use_pronoun = i > 0 && !subject.pronoun.empty() && rng_.Chance(0.5);
      sentences.push_back(
          Fill(slot.statement, use_pronoun ? subject.pronoun : subject.name, slot.values[v]));
      if (i != asked) continue;
      int q = v;
      if (!answer) {
        q = rng_.Uniform(static_cast<int>(slot.values.size()) - 1);
        if (q >= v) ++q;
      }
      item.question =
          absl::StrReplaceAll(slot.question, {{"{x}", subject.name}, {"{v}", slot.values[q]}});
    }
    item.passage = absl::StrJoin(sentences, " ");
    return item;
  }

 private:
  PassageSubject NextSubject() {
    const int roll = rng_.Uniform(10);
    if (roll < 4) {
      const GivenName& g = rng_.Pick(GivenNames());
      return {&person_, g.name, g.pronoun, g.name};
    }
    if (roll < 7) {
      const std::string& village = rng_.Pick(villages_);
      return {&village_, village, "", village};
    }
    const std::string& ship = rng_.Pick(ships_);
    return {&ship_, absl::StrCat("the ", ship), "", ship};
  }

  static std::string Fill(const std::string& pattern, const std::string& x, const std::string& v) {
    return CapitalizeFirst(absl::StrReplaceAll(pattern, {{"{x}", x}, {"{v}", v}}));
  }

  // Three-syllable names, so they never equal the world's two-syllable names.
  static Strings MakeLongNames(NameForge& forge, int count) {
    Strings names;
    for (int i = 0; i < count; ++i) names.push_back(forge.Make(NameShape::kLongPlace));
    return names;
  }

  Rng& rng_;
  const std::vector<Slot> person_, village_, ship_;
  Strings villages_, ships_;
};

// Whether `passage` equals or contains (as a run of sentences) any of `test_passages`.
bool ContainsAny(const std::string& passage, const std::set<std::string>& test_passages) {
  for (const std::string& t : test_passages) {
    if (passage.find(t) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Split<BoolqItem>> MakeBoolqItems(const World& world, const BoolqOptions& options,
                                                uint64_t seed) {
  Rng rng(seed, "boolq");
  BoolqDrafter drafter(world, &rng);
  Split<BoolqItem> split;
  std::set<std::string> test_questions, test_passages;
  for (int attempts = 0; static_cast<int>(split.test.size()) < options.test; ++attempts) {
    if (attempts > 100 * options.test) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("boolq: only %d distinct test questions found (asked for %d)",
                          split.test.size(), options.test));
    }
    BoolqItem item = drafter.Next(split.test.size() % 2 == 1);
    if (!test_questions.insert(item.question).second) continue;
    test_passages.insert(item.passage);
    split.test.push_back(std::move(item));
  }
  while (static_cast<int>(split.train.size()) < options.train) {
    BoolqItem item = drafter.Next(split.train.size() % 2 == 1);
    if (test_questions.count(item.question) > 0 || ContainsAny(item.passage, test_passages))
      continue;
    split.train.push_back(std::move(item));
  }
  rng.Shuffle(split.test);
  rng.Shuffle(split.train);
  return split;
}

}  // namespace depthlab::datagen
