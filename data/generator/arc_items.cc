#include "data/generator/arc_items.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "data/generator/names.h"
#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

// A question before its choices are labelled: the correct text and every wrong text it may use.
struct Draft {
  std::string stem;
  std::string answer;
  std::vector<std::string> wrong;
};

// Where each biology habitat is visited in a stem.
const std::map<std::string, std::string>& HabitatPlaces() {
  static const auto* places = new std::map<std::string, std::string>{
      {"forests", "walks through a thick forest"}, {"lakes", "sits on the shore of a lake"},
      {"caves", "explores a deep cave"},           {"deserts", "crosses a dry desert"},
      {"mountains", "climbs a high mountain"},     {"swamps", "wades through a muddy swamp"},
      {"rivers", "rests on the bank of a river"},  {"meadows", "walks across a wide meadow"},
  };
  return *places;
}

// Draws question drafts of the three kinds (materials 60%, science rules 25%, animals 15%). Not
// thread-safe; keeps references to `world` and `rng`, which must outlive it.
class ArcDrafter {
 public:
  ArcDrafter(const World& world, Rng* rng)
      : world_(world),
        rng_(*rng),
        towns_(world.GetSubject("tarn_geography").GetRelation("capital").values) {}

  Draft Next() {
    const int kind = rng_.Uniform(20);
    if (kind < 12) return MaterialDraft();
    if (kind < 17) return RuleDraft();
    return AnimalDraft();
  }

 private:
  std::string Fill(const std::string& pattern, const GivenName& person) {
    return absl::StrReplaceAll(
        pattern, {{"{n}", person.name}, {"{p}", person.pronoun}, {"{t}", rng_.Pick(towns_)}});
  }

  Draft MaterialDraft() {
    const int p = rng_.Uniform(static_cast<int>(world_.properties.size()));
    const Property& property = world_.properties[p];
    const bool want = rng_.Chance(0.5);
    Draft d;
    d.stem = absl::StrCat(Fill(rng_.Pick(property.contexts), rng_.Pick(GivenNames())), " ",
                          want ? property.true_question : property.false_question);
    std::vector<std::string> right;
    for (const Material& m : world_.materials)
      (m.has[p] == want ? right : d.wrong).push_back(m.name);
    d.answer = rng_.Pick(right);
    return d;
  }

  Draft RuleDraft() {
    const ScienceRule& rule = rng_.Pick(world_.science_rules);
    return Draft{Fill(rule.stem, rng_.Pick(GivenNames())), rule.answer, rule.distractors};
  }

  // "Which animal is Mira most likely to see there?" from the biology habitat or food relation.
  Draft AnimalDraft() {
    const Subject& biology = world_.GetSubject("tarn_biology");
    const bool by_habitat = rng_.Chance(0.5);
    const Relation& r = biology.GetRelation(by_habitat ? "habitat" : "food");
    const int target = r.value_of[rng_.Uniform(static_cast<int>(r.value_of.size()))];
    const GivenName& person = rng_.Pick(GivenNames());
    Draft d;
    d.stem = by_habitat
                 ? absl::StrCat(person.name, " ", HabitatPlaces().at(r.values[target]),
                                ". Which animal is ", person.pronoun, " most likely to see there?")
                 : Fill(absl::StrCat("{n} leaves some ", r.values[target],
                                     " on the ground near {t}. Which animal will most likely "
                                     "come to eat them?"),
                        person);
    std::vector<std::string> right;
    for (size_t e = 0; e < biology.entities.size(); ++e) {
      (r.value_of[e] == target ? right : d.wrong).push_back(biology.entities[e]);
    }
    d.answer = rng_.Pick(right);
    return d;
  }

  const World& world_;
  Rng& rng_;
  const std::vector<std::string>& towns_;
};

ArcItem Label(const Draft& d, const std::string& id, bool numeric, Rng& rng) {
  const int roll = rng.Uniform(20);
  const int count = roll < 3 ? 3 : (roll < 17 ? 4 : 5);
  const int answer = rng.Uniform(count);
  const std::vector<int> wrong = rng.Sample(static_cast<int>(d.wrong.size()), count - 1);
  ArcItem item{id, d.stem, {}, ""};
  for (int i = 0, w = 0; i < count; ++i) {
    const std::string label(1, static_cast<char>((numeric ? '1' : 'A') + i));
    item.choices.push_back({i == answer ? d.answer : d.wrong[wrong[w++]], label});
    if (i == answer) item.answer_key = label;
  }
  return item;
}

}  // namespace

absl::StatusOr<Split<ArcItem>> MakeArcItems(const World& world, const ArcOptions& options,
                                            uint64_t seed) {
  Rng rng(seed, "arc");
  ArcDrafter drafter(world, &rng);
  Split<ArcItem> split;
  std::set<std::string> test_stems;
  for (int attempts = 0; static_cast<int>(split.test.size()) < options.test; ++attempts) {
    if (attempts > 100 * options.test) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("arc: only %d distinct test stems found (asked for %d)",
                          test_stems.size(), options.test));
    }
    const Draft d = drafter.Next();
    if (!test_stems.insert(d.stem).second) continue;
    const std::string id = absl::StrFormat("TarnSci_test_%05d", split.test.size() + 1);
    split.test.push_back(Label(d, id, rng.Chance(options.numeric_label_rate), rng));
  }
  while (static_cast<int>(split.train.size()) < options.train) {
    const Draft d = drafter.Next();
    if (test_stems.count(d.stem) > 0) continue;
    const std::string id = absl::StrFormat("TarnSci_train_%05d", split.train.size() + 1);
    split.train.push_back(Label(d, id, rng.Chance(options.numeric_label_rate), rng));
  }
  return split;
}

}  // namespace depthlab::datagen
