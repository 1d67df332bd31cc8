#include "data/generator/names.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace depthlab::datagen {
namespace {

constexpr const char* kSyllables[] = {
    "ka",  "ri",  "zo",  "mel",  "tor", "vas", "bel", "dun", "fi",  "gor", "lin",
    "mos", "nar", "pel", "quin", "sa",  "tek", "ul",  "vor", "wen", "yar", "zel",
    "bri", "dra", "kel", "lo",   "mi",  "ru",  "tha", "gel", "dos", "pim",
};

// Stems that spell English words or look like them; skipped so invented names stay invented.
constexpr const char* kBlocked[] = {"mime",  "lolo",  "sasa", "kaka", "fifi", "mimi", "riri",
                                    "dunlo", "belka", "losa", "mika", "mosa", "pimka"};

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// Appends a suffix, dropping the stem's final vowel before a vowel-initial suffix.
std::string WithSuffix(std::string stem, const std::string& suffix) {
  if (!stem.empty() && IsVowel(stem.back()) && IsVowel(suffix.front())) stem.pop_back();
  return stem + suffix;
}

}  // namespace

std::string NameForge::FreshStem(int syllables) {
  constexpr int kCount = sizeof(kSyllables) / sizeof(kSyllables[0]);
  for (;;) {
    std::string stem;
    for (int i = 0; i < syllables; ++i) absl::StrAppend(&stem, kSyllables[rng_->Uniform(kCount)]);
    bool blocked = false;
    for (const char* word : kBlocked) blocked = blocked || stem == word;
    for (const GivenName& given : GivenNames()) {
      blocked = blocked || absl::AsciiStrToLower(given.name) == stem;
    }
    if (blocked || !used_stems_.insert(stem).second) continue;
    return stem;
  }
}

std::string NameForge::Make(NameShape shape) {
  static const std::vector<std::string> kCountrySuffixes = {"land", "mark", "ia"};
  static const std::vector<std::string> kMaterialSuffixes = {"ite", "um", "ene"};
  switch (shape) {
    case NameShape::kCountry:
      return Capitalize(WithSuffix(FreshStem(), rng_->Pick(kCountrySuffixes)));
    case NameShape::kPlace:
    case NameShape::kPlanet:
      return Capitalize(FreshStem());
    case NameShape::kLongPlace:
      return Capitalize(FreshStem(3));
    case NameShape::kRiver:
      return absl::StrCat(Capitalize(FreshStem()), " River");
    case NameShape::kPerson:
      return absl::StrCat(Capitalize(FreshStem()), " ", Capitalize(FreshStem()));
    case NameShape::kCommon:
      return FreshStem();
    case NameShape::kMaterial:
      return WithSuffix(FreshStem(), rng_->Pick(kMaterialSuffixes));
  }
  return FreshStem();
}

std::vector<std::string> NameForge::MakeMany(NameShape shape, int count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (int i = 0; i < count; ++i) names.push_back(Make(shape));
  return names;
}

const std::vector<GivenName>& GivenNames() {
  static const auto* names = new std::vector<GivenName>{
      {"Mira", "she"}, {"Tavo", "he"},  {"Lena", "she"}, {"Omar", "he"},   {"Sara", "she"},
      {"Ivo", "he"},   {"Nina", "she"}, {"Paul", "he"},  {"Rosa", "she"},  {"Ben", "he"},
      {"Ada", "she"},  {"Hugo", "he"},  {"Ella", "she"}, {"Finn", "he"},   {"Maya", "she"},
      {"Leo", "he"},   {"Zara", "she"}, {"Theo", "he"},  {"Ivy", "she"},   {"Max", "he"},
      {"Cleo", "she"}, {"Otto", "he"},  {"Rita", "she"}, {"Sami", "he"},   {"Nora", "she"},
      {"Eli", "he"},   {"Vera", "she"}, {"Jonas", "he"}, {"Lila", "she"},  {"Marco", "he"},
      {"Tess", "she"}, {"Kian", "he"},  {"Yara", "she"}, {"Dario", "he"},  {"Anja", "she"},
      {"Pim", "he"},   {"Edda", "she"}, {"Nils", "he"},  {"Greta", "she"}, {"Ravi", "he"},
  };
  return *names;
}

}  // namespace depthlab::datagen
