// The fixed, hand-written part of the world: subjects with their relations and sentence
// templates, material properties and everyday science rules. BuildWorld (world.cc) adds the
// seeded part: entity names and which value each entity has.
#ifndef DEPTHLAB_DATA_GENERATOR_WORLD_SPEC_H_
#define DEPTHLAB_DATA_GENERATOR_WORLD_SPEC_H_

#include <string>
#include <vector>

#include "data/generator/names.h"
#include "data/generator/world.h"

namespace depthlab::datagen {

// Where a relation's value set comes from.
enum class ValueSource {
  kWords,       // Relation::values as written in the spec
  kFreshNames,  // one new name per entity (unique values), of RelationSpec::fresh_shape
  kCountries,   // the entities of the first subject (the countries)
  kCapitals,    // the values of the first relation of the first subject (the capital cities)
  kMaterials,   // World::materials
};

struct RelationSpec {
  Relation relation;  // templates, flags and, for kWords, the values; value_of left empty
  ValueSource source = ValueSource::kWords;
  NameShape fresh_shape = NameShape::kPlace;
};

struct SubjectSpec {
  std::string name;
  std::string entity_noun;
  int entity_count = 0;
  NameShape entity_shape = NameShape::kCommon;
  std::vector<std::string> head_nouns;  // appended to entity names ("lamp"), when not empty
  std::vector<RelationSpec> relations;
};

// The first subject is the countries; later subjects may take values from it.
std::vector<SubjectSpec> SubjectSpecs();
std::vector<Property> PropertySpecs();
std::vector<ScienceRule> ScienceRules();
// How many materials the world has.
constexpr int kMaterialCount = 16;

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_WORLD_SPEC_H_
