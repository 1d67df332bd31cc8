#include "data/generator/mmlu_items.h"

#include <set>
#include <string>

#include "data/generator/rng.h"

namespace depthlab::datagen {
namespace {

// A question to ask: a template list and how to fill one, with its answer and wrong answers.
struct Key {
  const std::vector<std::string>* templates = nullptr;
  std::string entity, value;       // what fills {e} and {v}
  std::string answer;              // the correct choice
  std::vector<std::string> wrong;  // every choice that would be wrong
  int test_template = -1;          // -1: the key has no test item
};

std::vector<Key> ForwardKeys(const Subject& subject, const Relation& r, Rng& rng) {
  std::vector<Key> keys;
  for (int e = 0; e < static_cast<int>(subject.entities.size()); ++e) {
    Key key{&r.forward_questions, subject.entities[e], r.ValueOf(e), r.ValueOf(e), {}, -1};
    for (const std::string& v : r.values) {
      if (v != key.answer) key.wrong.push_back(v);
    }
    key.test_template = rng.Uniform(static_cast<int>(r.forward_questions.size()));
    keys.push_back(std::move(key));
  }
  return keys;
}

// One reverse key per value that some entity has; the answer is one such entity at random.
std::vector<Key> ReverseKeys(const Subject& subject, const Relation& r, Rng& rng) {
  std::vector<Key> keys;
  for (int v = 0; v < static_cast<int>(r.values.size()); ++v) {
    std::vector<std::string> right;
    Key key{&r.reverse_questions, "", r.values[v], "", {}, -1};
    for (int e = 0; e < static_cast<int>(subject.entities.size()); ++e) {
      (r.value_of[e] == v ? right : key.wrong).push_back(subject.entities[e]);
    }
    if (right.empty() || key.wrong.size() < 3) continue;
    key.answer = rng.Pick(right);
    if (r.reverse_in_test) {
      key.test_template = rng.Uniform(static_cast<int>(r.reverse_questions.size()));
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

// A template other than the key's test template.
int TrainTemplate(const Key& key, Rng& rng) {
  const int n = static_cast<int>(key.templates->size());
  if (key.test_template < 0) return rng.Uniform(n);
  const int t = rng.Uniform(n - 1);
  return t >= key.test_template ? t + 1 : t;
}

MmluItem MakeItem(const Key& key, int template_index, int answer_position, Rng& rng) {
  MmluItem item;
  item.question = FillFact((*key.templates)[template_index], key.entity, key.value);
  item.answer = answer_position;
  const std::vector<int> wrong = rng.Sample(static_cast<int>(key.wrong.size()), 3);
  for (int slot = 0, w = 0; slot < 4; ++slot) {
    item.choices[slot] = slot == answer_position ? key.answer : key.wrong[wrong[w++]];
  }
  return item;
}

// `count` answer positions, each letter used count/4 or one more times, in random order.
std::vector<int> BalancedLetters(int count, Rng& rng) {
  std::vector<int> letters(count);
  const int offset = rng.Uniform(4);
  for (int i = 0; i < count; ++i) letters[i] = (i + offset) % 4;
  rng.Shuffle(letters);
  return letters;
}

// `count` items on distinct keys, never with a key's test template.
std::vector<MmluItem> HeldOutTrainStyle(const std::vector<Key>& keys, int count, Rng& rng) {
  std::vector<MmluItem> items;
  const std::vector<int> letters = BalancedLetters(count, rng);
  const std::vector<int> chosen = rng.Sample(static_cast<int>(keys.size()), count);
  for (int i = 0; i < count; ++i) {
    const Key& key = keys[chosen[i]];
    items.push_back(MakeItem(key, TrainTemplate(key, rng), letters[i], rng));
  }
  return items;
}

MmluSubjectItems MakeSubject(const Subject& subject, const MmluOptions& options, Rng& rng) {
  std::vector<Key> forward, reverse;
  for (const Relation& r : subject.relations) {
    for (Key& k : ForwardKeys(subject, r, rng)) forward.push_back(std::move(k));
    for (Key& k : ReverseKeys(subject, r, rng)) reverse.push_back(std::move(k));
  }
  MmluSubjectItems out{subject.name, subject.Words(), {}, {}, {}, {}};
  std::vector<const Key*> test_keys;
  for (const auto* keys : {&forward, &reverse}) {
    for (const Key& k : *keys) {
      if (k.test_template >= 0) test_keys.push_back(&k);
    }
  }
  const std::vector<int> letters = BalancedLetters(static_cast<int>(test_keys.size()), rng);
  for (size_t i = 0; i < test_keys.size(); ++i) {
    out.test.push_back(MakeItem(*test_keys[i], test_keys[i]->test_template, letters[i], rng));
  }
  rng.Shuffle(out.test);
  out.dev = HeldOutTrainStyle(forward, options.dev_per_subject, rng);
  out.val = HeldOutTrainStyle(forward, options.val_per_subject, rng);
  for (const Key& k : forward) {
    for (int i = 0; i < options.train_per_forward_key; ++i) {
      out.train.push_back(MakeItem(k, TrainTemplate(k, rng), rng.Uniform(4), rng));
    }
  }
  for (const Key& k : reverse) {
    for (int i = 0; i < options.train_per_reverse_key; ++i) {
      out.train.push_back(MakeItem(k, TrainTemplate(k, rng), rng.Uniform(4), rng));
    }
  }
  rng.Shuffle(out.train);
  return out;
}

}  // namespace

std::vector<MmluSubjectItems> MakeMmluItems(const World& world, const MmluOptions& options,
                                            uint64_t seed) {
  std::vector<MmluSubjectItems> subjects;
  for (const Subject& subject : world.subjects) {
    Rng rng(seed, "mmlu/" + subject.name);
    subjects.push_back(MakeSubject(subject, options, rng));
  }
  return subjects;
}

}  // namespace depthlab::datagen
