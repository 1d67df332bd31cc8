// The synthetic world "Tarn" that depthlab's bundled model learns and is tested on: invented
// entities grouped into MMLU-style subjects (each entity has one value per relation), materials
// with physical properties (the ARC-style science rules), and fixed everyday science rules. The
// world is a pure function of the seed; the task generators only read it.
//
//   World world = BuildWorld(seed);
//   const Relation& capital = world.subjects[0].relations[0];
//   std::string v = capital.ValueOf(0);       // capital city of the first country
#ifndef DEPTHLAB_DATA_GENERATOR_WORLD_H_
#define DEPTHLAB_DATA_GENERATOR_WORLD_H_

#include <cstdint>
#include <string>
#include <vector>

namespace depthlab::datagen {

// One attribute of a subject's entities: every entity has exactly one value. Templates use {e}
// for the entity and {v} for the value, and never start with a lowercase name, so the tokenizer
// sees one spelling of it.
struct Relation {
  std::string name;                            // "capital"
  std::string entity_noun;                     // "country": what a reverse question asks for
  std::vector<std::string> values;             // the value set, where distractors come from
  std::vector<int> value_of;                   // per entity: index into `values`
  bool unique_values = false;                  // no value belongs to two entities
  bool reverse_in_test = false;                // reverse questions are also asked in the test split
  std::vector<std::string> statements;         // declarative sentences (the corpus)
  std::vector<std::string> forward_questions;  // ask for the value of {e}
  std::vector<std::string> reverse_questions;  // ask which entity has {v}

  const std::string& ValueOf(int entity) const { return values[value_of[entity]]; }
};

// An MMLU-style subject: a kind of entity and its relations.
struct Subject {
  std::string name;                   // file-name form: "tarn_geography"
  std::string entity_noun;            // "country"
  std::vector<std::string> entities;  // names, as they appear after "the" or alone
  std::vector<Relation> relations;

  // "tarn geography": the words in the MMLU prompt header.
  std::string Words() const;
  // REQUIRES: a relation of that name exists.
  const Relation& GetRelation(const std::string& relation_name) const;
};

// A yes/no physical property of materials, e.g. floating on water.
struct Property {
  std::string name;                          // "floats"
  std::vector<std::string> true_statements;  // templates with {m}
  std::vector<std::string> false_statements;
  std::string true_question;          // "Which material floats on water?"
  std::string false_question;         // "Which material sinks in water?"
  std::vector<std::string> contexts;  // stem openings with {n} (a person) and {t} (a town)
};

struct Material {
  std::string name;
  std::vector<bool> has;  // per property of World::properties
};

// An everyday science rule asked as a multiple-choice question with a fixed answer.
struct ScienceRule {
  std::string stem;  // template with {n} (a person) and {p} (their pronoun)
  std::string answer;
  std::vector<std::string> distractors;  // at least 4
  std::vector<std::string> statements;   // the rule stated for the corpus
};

struct World {
  std::vector<Subject> subjects;
  std::vector<Property> properties;
  std::vector<Material> materials;
  std::vector<ScienceRule> science_rules;

  // REQUIRES: a subject of that name exists.
  const Subject& GetSubject(const std::string& name) const;
};

// The world for `seed`. Deterministic.
World BuildWorld(uint64_t seed);

// Fills {e} and {v} and capitalises the first letter.
std::string FillFact(const std::string& pattern, const std::string& entity,
                     const std::string& value);

// Upper-cases the first character.
std::string CapitalizeFirst(std::string s);

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_WORLD_H_
