// Invented names for the synthetic world, built from a small syllable set so that a tokenizer
// with a few thousand pieces spells each name in two or three pieces, and a fixed list of given
// names for the people in word problems and passages.
//
//   NameForge forge(&rng);
//   std::string country = forge.Make(NameShape::kCountry);   // e.g. "Velmark"
#ifndef DEPTHLAB_DATA_GENERATOR_NAMES_H_
#define DEPTHLAB_DATA_GENERATOR_NAMES_H_

#include <set>
#include <string>
#include <vector>

#include "data/generator/rng.h"

namespace depthlab::datagen {

// How a name is spelled: capitalised proper names, or lowercase common nouns that always follow
// "the" in the templates (so a tokenizer sees one spelling of each).
enum class NameShape {
  kCountry,    // "Velmark", "Toriland"
  kPlace,      // "Kelmo" (cities)
  kLongPlace,  // "Dunkelmi": three syllables, so never equal to a two-syllable world name
  kRiver,      // "Dunka River"
  kPerson,     // "Tesa Brolin"
  kPlanet,     // "Vasri"
  kCommon,     // "brelto" (animals, tools)
  kMaterial,   // "kelite"
};

// Hands out names that are unique across everything one forge made. Not thread-safe; keeps a
// pointer to `rng`, which must outlive it.
class NameForge {
 public:
  explicit NameForge(Rng* rng) : rng_(rng) {}

  std::string Make(NameShape shape);
  std::vector<std::string> MakeMany(NameShape shape, int count);

 private:
  // `syllables` syllables not used before in any shape, lowercase.
  std::string FreshStem(int syllables = 2);

  Rng* rng_;
  std::set<std::string> used_stems_;
};

// A given name and its subject pronoun.
struct GivenName {
  const char* name;
  const char* pronoun;  // "she" / "he"
};

// The fixed cast of people in word problems, passages and science questions.
const std::vector<GivenName>& GivenNames();

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_NAMES_H_
