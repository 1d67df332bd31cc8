#include "data/generator/world.h"

#include <cctype>
#include <set>
#include <string>

#include "data/generator/rng.h"
#include "gtest/gtest.h"

namespace depthlab::datagen {
namespace {

TEST(RngTest, SameSeedAndStreamGiveSameNumbers) {
  Rng a(42, "arc"), b(42, "arc"), c(42, "boolq"), d(43, "arc");
  const uint64_t first = a.Next();
  EXPECT_EQ(first, b.Next());
  EXPECT_NE(first, c.Next());
  EXPECT_NE(first, d.Next());
}

TEST(RngTest, UniformCoversRangeEvenly) {
  Rng rng(1, "test");
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < 50000; ++i) ++counts[rng.Uniform(5)];
  for (const int c : counts) {
    EXPECT_GT(c, 9500);
    EXPECT_LT(c, 10500);
  }
}

TEST(RngTest, SampleGivesDistinctValuesInRange) {
  Rng rng(1, "test");
  const std::vector<int> s = rng.Sample(10, 10);
  EXPECT_EQ(std::set<int>(s.begin(), s.end()).size(), 10u);
  for (const int v : s) EXPECT_TRUE(v >= 0 && v < 10);
}

class WorldTest : public ::testing::Test {
 protected:
  const World world_ = BuildWorld(1);
};

TEST_F(WorldTest, HasSixSubjectsWithAtLeastFortyFactsEach) {
  ASSERT_EQ(world_.subjects.size(), 6u);
  for (const Subject& s : world_.subjects) {
    EXPECT_GE(s.entities.size() * s.relations.size(), 40u) << s.name;
    for (const Relation& r : s.relations) {
      ASSERT_EQ(r.value_of.size(), s.entities.size()) << s.name << "/" << r.name;
      EXPECT_GE(r.forward_questions.size(), 3u) << r.name << ": one test and two train templates";
      EXPECT_GE(r.reverse_questions.size(), 2u) << r.name;
    }
  }
}

TEST_F(WorldTest, NamesAreUniqueAcrossTheWorld) {
  std::set<std::string> names;
  size_t count = 0;
  auto add = [&](const std::string& n) {
    names.insert(n);
    ++count;
  };
  for (const Subject& s : world_.subjects) {
    for (const std::string& e : s.entities) add(e);
  }
  for (const Material& m : world_.materials) add(m.name);
  const Subject& geo = world_.GetSubject("tarn_geography");
  for (const std::string& city : geo.GetRelation("capital").values) add(city);
  for (const std::string& river : geo.GetRelation("river").values) add(river);
  for (const std::string& p : world_.GetSubject("tarn_inventions").GetRelation("inventor").values) {
    add(p);
  }
  EXPECT_EQ(names.size(), count);
}

TEST_F(WorldTest, UniqueRelationsGiveEveryEntityItsOwnValue) {
  for (const Subject& s : world_.subjects) {
    for (const Relation& r : s.relations) {
      if (!r.unique_values) continue;
      EXPECT_EQ(std::set<int>(r.value_of.begin(), r.value_of.end()).size(), s.entities.size())
          << r.name;
    }
  }
}

TEST_F(WorldTest, EveryMaterialPropertyHoldsForHalfTheMaterials) {
  for (size_t p = 0; p < world_.properties.size(); ++p) {
    int count = 0;
    for (const Material& m : world_.materials) count += m.has[p] ? 1 : 0;
    EXPECT_EQ(count, static_cast<int>(world_.materials.size()) / 2) << world_.properties[p].name;
  }
}

bool IsLowercase(const std::string& s) {
  return !s.empty() && std::islower(static_cast<unsigned char>(s[0]));
}

// A lowercase name at the start of a sentence would be capitalised, and a tokenizer would see
// two spellings of it.
TEST_F(WorldTest, TemplatesNeverStartWithALowercaseName) {
  for (const Subject& s : world_.subjects) {
    for (const Relation& r : s.relations) {
      const bool entity_lower = IsLowercase(s.entities[0]);
      const bool value_lower = IsLowercase(r.values[0]);
      for (const auto* list : {&r.statements, &r.forward_questions, &r.reverse_questions}) {
        for (const std::string& t : *list) {
          EXPECT_FALSE(entity_lower && t.rfind("{e}", 0) == 0) << t;
          EXPECT_FALSE(value_lower && t.rfind("{v}", 0) == 0) << t;
        }
      }
    }
  }
}

TEST_F(WorldTest, FillFactCapitalisesTheSentence) {
  EXPECT_EQ(FillFact("the {e} eats {v}.", "brelto", "fish"), "The brelto eats fish.");
}

TEST(WorldSeedTest, DifferentSeedsGiveDifferentWorlds) {
  EXPECT_NE(BuildWorld(1).subjects[0].entities, BuildWorld(2).subjects[0].entities);
  EXPECT_EQ(BuildWorld(3).subjects[0].entities, BuildWorld(3).subjects[0].entities);
}

}  // namespace
}  // namespace depthlab::datagen
