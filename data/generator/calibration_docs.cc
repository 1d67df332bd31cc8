#include "data/generator/calibration_docs.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "data/generator/names.h"
#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

using Strings = std::vector<std::string>;

// How an article about an entity of each subject opens, and sentences any such article may add.
struct ArticleStyle {
  std::string opening;  // with {e}
  Strings remarks;
};

const std::map<std::string, ArticleStyle>& ArticleStyles() {
  static const auto* styles = new std::map<std::string, ArticleStyle>{
      {"tarn_geography",
       {"{e} is a country in the land of Tarn.",
        {"Travelers say the roads of {e} are long and quiet.", "Many old songs are about {e}.",
         "The winters in {e} are cold and short."}}},
      {"tarn_biology",
       {"The {e} is an animal of Tarn.",
        {"Children in Tarn like to watch the {e}.", "The {e} sleeps during the hottest hours.",
         "Old stories say the {e} is clever."}}},
      {"tarn_inventions",
       {"The {e} is a famous device of Tarn.",
        {"Today the {e} is used in many homes.", "Schools in Tarn teach how the {e} works.",
         "The first {e} was small and simple."}}},
      {"tarn_crafts",
       {"The {e} is a tool used across Tarn.",
        {"Every workshop in Tarn keeps a {e}.", "Young workers learn to use the {e} early.",
         "A good {e} lasts for many years."}}},
      {"tarn_astronomy",
       {"{e} is a planet in the sky of Tarn.",
        {"Sailors once used {e} to find their way.", "Many children know the name {e}.",
         "On clear nights {e} is easy to find."}}},
      {"tarn_cuisine",
       {"The {e} is a well known dish of Tarn.",
        {"The {e} is often served warm.", "Families cook the {e} for guests.",
         "Every cook in Tarn has a favourite way to make the {e}."}}},
  };
  return *styles;
}

std::string FillPerson(const std::string& pattern, const GivenName& person) {
  return CapitalizeFirst(
      absl::StrReplaceAll(pattern, {{"{n}", person.name}, {"{p}", person.pronoun}}));
}

// Writes articles (50%), material notes (10%), travel stories (30%) and science notes (10%). Not
// thread-safe; keeps references to `world` and `rng`, which must outlive it.
class DocWriter {
 public:
  DocWriter(const World& world, Rng* rng) : world_(world), rng_(*rng) {}

  std::string Next() {
    const int kind = rng_.Uniform(10);
    if (kind < 5) return Article();
    if (kind < 6) return MaterialNote();
    if (kind < 9) return Story();
    return ScienceNote();
  }

 private:
  std::string Fact(const Relation& r, const std::string& entity, const std::string& value) {
    return FillFact(rng_.Pick(r.statements), entity, value);
  }

  // Every fact about one entity, in random order after the opening, and a remark or two.
  std::string Article() {
    const Subject& s = rng_.Pick(world_.subjects);
    const int e = rng_.Uniform(static_cast<int>(s.entities.size()));
    const ArticleStyle& style = ArticleStyles().at(s.name);
    Strings body;
    for (const Relation& r : s.relations) body.push_back(Fact(r, s.entities[e], r.ValueOf(e)));
    const int remarks = rng_.Range(1, 2);
    for (const int i : rng_.Sample(static_cast<int>(style.remarks.size()), remarks)) {
      body.push_back(FillFact(style.remarks[i], s.entities[e], ""));
    }
    rng_.Shuffle(body);
    return absl::StrCat(FillFact(style.opening, s.entities[e], ""), " ", absl::StrJoin(body, " "));
  }

  std::string MaterialNote() {
    const Material& m = rng_.Pick(world_.materials);
    Strings body;
    for (size_t p = 0; p < world_.properties.size(); ++p) {
      const Property& property = world_.properties[p];
      const std::string& pattern =
          rng_.Pick(m.has[p] ? property.true_statements : property.false_statements);
      body.push_back(CapitalizeFirst(absl::StrReplaceAll(pattern, {{"{m}", m.name}})));
    }
    rng_.Shuffle(body);
    return absl::StrCat("The material ", m.name, " is found in Tarn. ", absl::StrJoin(body, " "));
  }

  std::string ScienceNote() {
    Strings body;
    for (const int i : rng_.Sample(static_cast<int>(world_.science_rules.size()), 4)) {
      body.push_back(rng_.Pick(world_.science_rules[i].statements));
    }
    return absl::StrCat("Here are some things every child in Tarn learns. ",
                        absl::StrJoin(body, " "));
  }

  // A trip to a country: its capital, a dish, an animal and a planet seen on the way.
  std::string Story() {
    const GivenName& person = rng_.Pick(GivenNames());
    const Subject& geo = world_.GetSubject("tarn_geography");
    const int c = rng_.Uniform(static_cast<int>(geo.entities.size()));
    const std::string& country = geo.entities[c];
    Strings lines = {
        FillPerson(absl::StrCat("{n} went on a trip to ", country, "."), person),
        FillPerson(absl::StrCat("{p} stayed in ", geo.GetRelation("capital").ValueOf(c),
                                ", the capital of ", country, "."),
                   person)};
    const Subject& food = world_.GetSubject("tarn_cuisine");
    const int d = rng_.Uniform(static_cast<int>(food.entities.size()));
    lines.push_back(
        FillPerson(absl::StrCat("{p} ate the ", food.entities[d], ", which is made with ",
                                food.GetRelation("ingredient").ValueOf(d), "."),
                   person));
    const Subject& bio = world_.GetSubject("tarn_biology");
    const int a = rng_.Uniform(static_cast<int>(bio.entities.size()));
    lines.push_back(FillPerson(
        absl::StrCat("Near the ", geo.GetRelation("river").ValueOf(c), " {p} saw the ",
                     bio.entities[a], ", which is ", bio.GetRelation("colour").ValueOf(a),
                     " and eats ", bio.GetRelation("food").ValueOf(a), "."),
        person));
    const Subject& sky = world_.GetSubject("tarn_astronomy");
    const int p = rng_.Uniform(static_cast<int>(sky.entities.size()));
    lines.push_back(
        FillPerson(absl::StrCat("At night {p} watched ", sky.entities[p], ", which glows ",
                                sky.GetRelation("colour").ValueOf(p), "."),
                   person));
    lines.push_back(FillPerson("{p} was happy to come home.", person));
    return absl::StrJoin(lines, " ");
  }

  const World& world_;
  Rng& rng_;
};

}  // namespace

Split<std::string> MakeCalibrationDocs(const World& world, int train, int test, uint64_t seed) {
  Rng rng(seed, "calibration");
  DocWriter writer(world, &rng);
  Split<std::string> split;
  std::set<std::string> seen;
  while (static_cast<int>(split.test.size()) < test) {
    std::string doc = writer.Next();
    if (seen.insert(doc).second) split.test.push_back(std::move(doc));
  }
  while (static_cast<int>(split.train.size()) < train) {
    std::string doc = writer.Next();
    if (seen.insert(doc).second) split.train.push_back(std::move(doc));
  }
  return split;
}

}  // namespace depthlab::datagen
