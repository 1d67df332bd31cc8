#include "data/generator/world.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "data/generator/names.h"
#include "data/generator/rng.h"
#include "data/generator/world_spec.h"

namespace depthlab::datagen {
namespace {

// Each of `value_count` values is used by count/value_count or one more entities, in random
// order, so reverse questions ("Which animal eats fish?") have answers and distractors.
std::vector<int> BalancedAssignment(int count, int value_count, Rng& rng) {
  std::vector<int> order(value_count);
  for (int v = 0; v < value_count; ++v) order[v] = v;
  rng.Shuffle(order);
  std::vector<int> assignment(count);
  for (int i = 0; i < count; ++i) assignment[i] = order[i % value_count];
  rng.Shuffle(assignment);
  return assignment;
}

std::vector<Material> MakeMaterials(int property_count, Rng& rng, NameForge& forge) {
  std::vector<Material> materials(kMaterialCount);
  for (Material& m : materials) {
    m.name = forge.Make(NameShape::kMaterial);
    m.has.assign(property_count, false);
  }
  // Exactly half the materials have each property, so every question has answers and distractors.
  for (int p = 0; p < property_count; ++p) {
    for (const int m : rng.Sample(kMaterialCount, kMaterialCount / 2)) materials[m].has[p] = true;
  }
  return materials;
}

std::vector<std::string> EntityNames(const SubjectSpec& spec, Rng& rng, NameForge& forge) {
  std::vector<std::string> heads = spec.head_nouns;
  rng.Shuffle(heads);
  std::vector<std::string> names;
  for (int i = 0; i < spec.entity_count; ++i) {
    std::string name = forge.Make(spec.entity_shape);
    if (!heads.empty()) absl::StrAppend(&name, " ", heads[i % heads.size()]);
    names.push_back(std::move(name));
  }
  return names;
}

Relation Instantiate(const RelationSpec& spec, int entity_count, const World& world, Rng& rng,
                     NameForge& forge) {
  Relation relation = spec.relation;
  switch (spec.source) {
    case ValueSource::kWords:
      break;
    case ValueSource::kFreshNames:
      relation.values = forge.MakeMany(spec.fresh_shape, entity_count);
      relation.value_of.resize(entity_count);
      for (int i = 0; i < entity_count; ++i) relation.value_of[i] = i;
      return relation;
    case ValueSource::kCountries:
      relation.values = world.subjects.front().entities;
      break;
    case ValueSource::kCapitals:
      relation.values = world.subjects.front().relations.front().values;
      break;
    case ValueSource::kMaterials:
      relation.values.clear();
      for (const Material& m : world.materials) relation.values.push_back(m.name);
      break;
  }
  relation.value_of =
      BalancedAssignment(entity_count, static_cast<int>(relation.values.size()), rng);
  return relation;
}

}  // namespace

std::string Subject::Words() const { return absl::StrReplaceAll(name, {{"_", " "}}); }

const Relation& Subject::GetRelation(const std::string& relation_name) const {
  for (const Relation& r : relations) {
    if (r.name == relation_name) return r;
  }
  std::fprintf(stderr, "datagen: subject %s has no relation %s\n", name.c_str(),
               relation_name.c_str());
  std::abort();
}

const Subject& World::GetSubject(const std::string& name) const {
  for (const Subject& s : subjects) {
    if (s.name == name) return s;
  }
  std::fprintf(stderr, "datagen: the world has no subject %s\n", name.c_str());
  std::abort();
}

World BuildWorld(uint64_t seed) {
  Rng rng(seed, "world");
  NameForge forge(&rng);
  World world;
  world.properties = PropertySpecs();
  world.science_rules = ScienceRules();
  world.materials = MakeMaterials(static_cast<int>(world.properties.size()), rng, forge);
  for (const SubjectSpec& spec : SubjectSpecs()) {
    Subject subject{spec.name, spec.entity_noun, EntityNames(spec, rng, forge), {}};
    for (const RelationSpec& relation : spec.relations) {
      subject.relations.push_back(Instantiate(relation, spec.entity_count, world, rng, forge));
    }
    world.subjects.push_back(std::move(subject));
  }
  return world;
}

std::string CapitalizeFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string FillFact(const std::string& pattern, const std::string& entity,
                     const std::string& value) {
  return CapitalizeFirst(absl::StrReplaceAll(pattern, {{"{e}", entity}, {"{v}", value}}));
}

}  // namespace depthlab::datagen
