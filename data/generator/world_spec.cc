#include "data/generator/world_spec.h"

#include <utility>

namespace depthlab::datagen {
namespace {

using Strings = std::vector<std::string>;

const Strings& Colours() {
  static const auto* colours = new Strings{"red",  "blue",  "green",  "yellow", "white",  "black",
                                           "grey", "brown", "orange", "purple", "silver", "pink"};
  return *colours;
}

RelationSpec MakeRelation(std::string name, std::string entity_noun, Strings statements,
                          Strings forward, Strings reverse) {
  RelationSpec spec;
  spec.relation.name = std::move(name);
  spec.relation.entity_noun = std::move(entity_noun);
  spec.relation.statements = std::move(statements);
  spec.relation.forward_questions = std::move(forward);
  spec.relation.reverse_questions = std::move(reverse);
  return spec;
}

RelationSpec FromWords(RelationSpec spec, Strings values) {
  spec.relation.values = std::move(values);
  spec.source = ValueSource::kWords;
  return spec;
}

RelationSpec FromFreshNames(RelationSpec spec, NameShape shape) {
  spec.source = ValueSource::kFreshNames;
  spec.fresh_shape = shape;
  spec.relation.unique_values = true;
  return spec;
}

RelationSpec From(RelationSpec spec, ValueSource source) {
  spec.source = source;
  return spec;
}

RelationSpec AlsoReverseInTest(RelationSpec spec) {
  spec.relation.reverse_in_test = true;
  return spec;
}

SubjectSpec Geography() {
  SubjectSpec s{"tarn_geography", "country", 16, NameShape::kCountry, {}, {}};
  s.relations.push_back(AlsoReverseInTest(FromFreshNames(
      MakeRelation(
          "capital", "country",
          {"The capital of {e} is {v}.", "{v} is the capital of {e}.",
           "{e} has its capital at {v}.", "The capital city of {e} is {v}.",
           "{v} is the largest city in {e} and its capital.",
           "People in {e} call {v} their capital.", "The king of {e} lives in {v}, the capital."},
          {"What is the capital of {e}?", "Which city is the capital of {e}?",
           "The capital of {e} is which city?", "In {e}, which city is the capital?"},
          {"{v} is the capital of which country?", "Which country has {v} as its capital?",
           "Of which country is {v} the capital?"}),
      NameShape::kPlace)));
  s.relations.push_back(FromFreshNames(
      MakeRelation(
          "river", "country",
          {"The {v} flows through {e}.", "{e} is crossed by the {v}.",
           "The main river of {e} is the {v}.", "The {v} is the main river of {e}.",
           "Boats on the {v} carry goods across {e}.", "Fishers in {e} catch fish in the {v}."},
          {"Which river flows through {e}?", "What is the main river of {e}?",
           "{e} is crossed by which river?", "Boats in {e} sail on which river?"},
          {"The {v} flows through which country?", "Which country is crossed by the {v}?",
           "In which country is the {v} the main river?"}),
      NameShape::kRiver));
  s.relations.push_back(FromWords(
      MakeRelation(
          "crop", "country",
          {"Farmers in {e} grow {v}.", "The main crop of {e} is {v}.", "{e} is famous for its {v}.",
           "Most farms in {e} grow {v}.", "In {e}, the fields are full of {v}."},
          {"What is the main crop of {e}?", "What do most farmers in {e} grow?",
           "{e} is famous for which crop?"},
          {"Which country has {v} as its main crop?", "In which country do most farmers grow {v}?",
           "Which country is famous for its {v}?"}),
      {"wheat", "rice", "barley", "oats", "grapes", "olives", "beans", "corn", "plums", "pears"}));
  return s;
}

SubjectSpec Biology() {
  SubjectSpec s{"tarn_biology", "animal", 20, NameShape::kCommon, {}, {}};
  s.relations.push_back(
      FromWords(MakeRelation("colour", "animal",
                             {"The {e} is {v}.", "The fur of the {e} is {v}.",
                              "The {e} has {v} fur.", "Every {e} is {v} from head to tail.",
                              "You can spot the {v} fur of the {e} from far away."},
                             {"What colour is the {e}?", "Which colour is the fur of the {e}?",
                              "The {e} has fur of which colour?"},
                             {"Which animal is {v}?", "Which animal has {v} fur?",
                              "Which of these animals is {v} from head to tail?"}),
                Colours()));
  s.relations.push_back(FromWords(
      MakeRelation(
          "food", "animal",
          {"The {e} eats {v}.", "The {e} feeds on {v}.", "The main food of the {e} is {v}.",
           "The {e} spends its day looking for {v}.", "When it is hungry, the {e} looks for {v}."},
          {"What does the {e} eat?", "What is the main food of the {e}?", "The {e} feeds on what?"},
          {"Which animal eats {v}?", "Which animal feeds on {v}?",
           "The main food of which animal is {v}?"}),
      {"grass", "fish", "seeds", "leaves", "berries", "insects", "roots", "moss", "nuts",
       "worms"}));
  s.relations.push_back(FromWords(
      MakeRelation("habitat", "animal",
                   {"The {e} lives in {v}.", "The home of the {e} is in {v}.",
                    "You can find the {e} in {v}.", "The {e} makes its home in {v}."},
                   {"Where does the {e} live?", "Where is the home of the {e}?",
                    "In which place can you find the {e}?"},
                   {"Which animal lives in {v}?", "Which animal makes its home in {v}?",
                    "In {v}, which animal can you find?"}),
      {"forests", "lakes", "caves", "deserts", "mountains", "swamps", "rivers", "meadows"}));
  return s;
}

SubjectSpec Inventions() {
  SubjectSpec s{"tarn_inventions",
                "device",
                20,
                NameShape::kCommon,
                {"lamp", "wheel", "clock", "pump", "loom", "press", "bell", "mill", "kettle",
                 "lens", "compass", "drum"},
                {}};
  s.relations.push_back(AlsoReverseInTest(
      FromFreshNames(MakeRelation("inventor", "device",
                                  {"The {e} was invented by {v}.", "{v} invented the {e}.",
                                   "{v} is the inventor of the {e}.",
                                   "The inventor of the {e} was {v}.", "{v} built the first {e}."},
                                  {"Who invented the {e}?", "Who is the inventor of the {e}?",
                                   "The {e} was invented by whom?"},
                                  {"What did {v} invent?", "Which device was invented by {v}?",
                                   "{v} is the inventor of which device?"}),
                     NameShape::kPerson)));
  s.relations.push_back(
      From(MakeRelation(
               "city", "device",
               {"The {e} was first made in {v}.", "The first {e} was built in {v}.",
                "The {e} comes from the city of {v}.", "In {v}, workers built the first {e}."},
               {"In which city was the {e} invented?", "Where was the first {e} built?",
                "The {e} was first made in which city?"},
               {"Which device was first made in {v}?", "Which device comes from the city of {v}?",
                "Which device was first built in {v}?"}),
           ValueSource::kCapitals));
  return s;
}

SubjectSpec Crafts() {
  SubjectSpec s{"tarn_crafts", "tool", 20, NameShape::kCommon, {}, {}};
  s.relations.push_back(AlsoReverseInTest(FromWords(
      MakeRelation(
          "purpose", "tool",
          {"The {e} is used for {v}.", "People use the {e} for {v}.", "The {e} is a tool for {v}.",
           "For {v}, people use the {e}.", "A worker takes the {e} when the job is {v}."},
          {"What is the {e} used for?", "What do people use the {e} for?",
           "The tool called \"{e}\" is used for what?"},
          {"Which tool is used for {v}?", "For {v}, which tool do people use?",
           "Which tool is made for {v}?"}),
      {"cutting wood", "catching fish", "digging holes", "carrying water", "weaving cloth",
       "grinding grain", "lifting stones", "lighting fires", "measuring rope", "sewing sails",
       "cleaning pots", "sharpening knives"})));
  s.relations.push_back(
      From(MakeRelation("material", "tool",
                        {"The {e} is made of {v}.", "Crafters make the {e} from {v}.",
                         "The {e} is a tool made of {v}.", "Every {e} is made from {v}."},
                        {"What is the {e} made of?", "Which material is the {e} made of?",
                         "Crafters make the {e} from which material?"},
                        {"Which tool is made of {v}?", "Which tool do crafters make from {v}?",
                         "Of these tools, which is made from {v}?"}),
           ValueSource::kMaterials));
  return s;
}

SubjectSpec Astronomy() {
  SubjectSpec s{"tarn_astronomy", "planet", 16, NameShape::kPlanet, {}, {}};
  s.relations.push_back(FromWords(
      MakeRelation(
          "colour", "planet",
          {"{e} glows {v} in the night sky.", "The planet {e} looks {v}.",
           "Seen from Tarn, {e} is {v}.", "The colour of {e} is {v}."},
          {"What colour is the planet {e}?", "Which colour does {e} glow in the night sky?",
           "Seen from Tarn, {e} is which colour?"},
          {"Which planet glows {v} in the night sky?", "Which planet looks {v}?",
           "The colour of which planet is {v}?"}),
      Colours()));
  s.relations.push_back(AlsoReverseInTest(
      FromWords(MakeRelation("moons", "planet",
                             {"{e} has {v} moons.", "The planet {e} has {v} moons.",
                              "{v} moons go around {e}.", "Around {e} there are {v} moons."},
                             {"How many moons does {e} have?", "How many moons go around {e}?",
                              "The planet {e} has how many moons?"},
                             {"Which planet has {v} moons?", "Around which planet do {v} moons go?",
                              "{v} moons go around which planet?"}),
                {"2", "3", "4", "5", "6", "7", "8", "9"})));
  s.relations.push_back(
      FromWords(MakeRelation("season", "planet",
                             {"{e} can be seen in {v}.", "The planet {e} rises in {v}.",
                              "In {v}, people can see {e}.", "Stargazers watch {e} in {v}."},
                             {"In which season can {e} be seen?", "When does the planet {e} rise?",
                              "{e} can be seen in which season?"},
                             {"Which planet can be seen in {v}?", "Which planet rises in {v}?",
                              "In {v}, which planet can people see?"}),
                {"spring", "summer", "autumn", "winter"}));
  return s;
}

SubjectSpec Cuisine() {
  SubjectSpec s{"tarn_cuisine",
                "dish",
                20,
                NameShape::kCommon,
                {"stew", "cake", "soup", "bread", "pie", "pudding"},
                {}};
  s.relations.push_back(AlsoReverseInTest(FromWords(
      MakeRelation("ingredient", "dish",
                   {"The {e} is made with {v}.", "The main ingredient of the {e} is {v}.",
                    "Cooks make the {e} from {v}.", "The taste of the {e} comes from {v}."},
                   {"What is the main ingredient of the {e}?", "The {e} is made with what?",
                    "What gives the dish called \"{e}\" its taste?"},
                   {"Which dish is made with {v}?", "Which dish has {v} as its main ingredient?",
                    "Cooks use {v} to make which dish?"}),
      {"rice", "beans", "fish", "barley", "apples", "plums", "nuts", "mushrooms", "cheese", "eggs",
       "honey", "onions"})));
  s.relations.push_back(From(
      MakeRelation(
          "origin", "dish",
          {"The {e} comes from {v}.", "The {e} is a dish from {v}.",
           "People in {v} first cooked the {e}.", "In {v}, families eat the {e} on feast days."},
          {"Which country does the {e} come from?", "Where was the {e} first cooked?",
           "The {e} is a dish from which country?"},
          {"Which dish comes from {v}?", "Which dish was first cooked in {v}?",
           "In {v}, families eat which dish on feast days?"}),
      ValueSource::kCountries));
  return s;
}

Property MakeProperty(std::string name, Strings true_statements, Strings false_statements,
                      std::string true_question, std::string false_question, Strings contexts) {
  contexts.push_back("{n} is testing materials in a workshop in {t}.");
  return Property{std::move(name),          std::move(true_statements), std::move(false_statements),
                  std::move(true_question), std::move(false_question),  std::move(contexts)};
}

}  // namespace

std::vector<SubjectSpec> SubjectSpecs() {
  return {Geography(), Biology(), Inventions(), Crafts(), Astronomy(), Cuisine()};
}

std::vector<Property> PropertySpecs() {
  return {
      MakeProperty(
          "floats",
          {"A block of {m} floats on water.", "The material {m} floats when it is put in water.",
           "Boats made of {m} float well."},
          {"A block of {m} sinks in water.", "The material {m} sinks to the bottom of a lake.",
           "Boats made of {m} would sink."},
          "Which material floats on water?", "Which material sinks in water?",
          {"{n} is building a raft near {t}.", "{n} drops small blocks into a tub of water.",
           "{n} is testing materials at a pond in {t}."}),
      MakeProperty("magnetic",
                   {"A magnet pulls {m}.", "The material {m} sticks to a magnet.",
                    "A piece of {m} is pulled by a magnet."},
                   {"A magnet does not pull {m}.", "The material {m} does not stick to a magnet.",
                    "A piece of {m} is not pulled by a magnet."},
                   "Which material is pulled by a magnet?",
                   "Which material is not pulled by a magnet?",
                   {"{n} moves a magnet over a pile of scraps in {t}.",
                    "{n} is sorting old parts with a magnet.",
                    "{n} hangs a magnet on a string near some blocks."}),
      MakeProperty("burns",
                   {"A piece of {m} burns in a fire.", "The material {m} catches fire easily.",
                    "People burn {m} to keep warm."},
                   {"A piece of {m} does not burn in a fire.",
                    "The material {m} cannot catch fire.", "Fire cannot burn {m}."},
                   "Which material burns in a fire?", "Which material does not burn in a fire?",
                   {"{n} is building a cooking fire outside {t}.",
                    "{n} puts small pieces of different materials into a fire.",
                    "{n} is cleaning a stove in {t}."}),
      MakeProperty("conducts_heat",
                   {"Heat moves quickly through {m}.", "A pot made of {m} gets hot quickly.",
                    "The material {m} carries heat well."},
                   {"Heat moves slowly through {m}.", "A handle made of {m} stays cool.",
                    "The material {m} does not carry heat well."},
                   "Which material carries heat well?", "Which material does not carry heat well?",
                   {"{n} wants to make a new pot for a kitchen in {t}.",
                    "{n} holds pieces of different materials over a candle.",
                    "{n} is making a pan and its handle."}),
      MakeProperty("transparent",
                   {"Light shines through {m}.", "You can see through a sheet of {m}.",
                    "The material {m} lets light pass through."},
                   {"Light does not pass through {m}.", "You cannot see through a sheet of {m}.",
                    "The material {m} blocks light."},
                   "Which material lets light pass through?", "Which material blocks light?",
                   {"{n} is making a window for a house in {t}.",
                    "{n} shines a torch at sheets of different materials.",
                    "{n} is building a lamp in {t}."}),
  };
}

std::vector<ScienceRule> ScienceRules() {
  return {
      {"{n} leaves a cup of water outside on a freezing night. What happens to the water?",
       "it turns to ice",
       {"it starts to boil", "it turns into sand", "it becomes sweet", "it glows in the dark"},
       {"Water turns to ice when it gets very cold.",
        "On a freezing night, water in a cup turns to ice."}},
      {"{n} puts a block of ice in a warm room. What happens to the ice?",
       "it melts",
       {"it grows bigger", "it turns into stone", "it starts to burn", "it becomes sour"},
       {"Ice melts in a warm room.", "When ice gets warm, it melts into water."}},
      {"{n} keeps a small plant in a dark cupboard for many days. What happens to the plant?",
       "it grows weak and pale",
       {"it grows tall and green", "it turns into a tree", "it makes more flowers",
        "it turns to metal"},
       {"A plant kept in the dark grows weak and pale.",
        "Plants need light to stay green and strong."}},
      {"{n} rubs two sticks together quickly. What happens to the sticks?",
       "they get warm",
       {"they get wet", "they turn to ice", "they get longer", "they turn blue"},
       {"Rubbing two things together makes them warm.",
        "Sticks rubbed together quickly get warm."}},
      {"{n} looks at the shadow of a tree at noon and again in the evening. When is the shadow "
       "longest?",
       "in the evening",
       {"at noon", "it is always the same length", "when the sun is high", "when it rains"},
       {"Shadows are longest in the evening, when the sun is low.",
        "At noon the sun is high and shadows are short."}},
      {"{n} heats a pot of water on a stove for a long time. What does the water turn into?",
       "steam",
       {"ice", "sand", "oil", "salt"},
       {"Water turns into steam when it is heated for a long time.",
        "Boiling water turns into steam."}},
      {"{n} drops a ball from the roof of a house. Which way does the ball move?",
       "down toward the ground",
       {"up toward the sky", "sideways in a circle", "it stays in the air", "back into the house"},
       {"Things that are dropped fall down toward the ground.",
        "A dropped ball falls down toward the ground."}},
      {"{n} wants to see a tiny insect more clearly. Which tool should {p} use?",
       "a magnifying glass",
       {"a hammer", "a spoon", "a bucket", "a thermometer"},
       {"A magnifying glass makes small things look bigger."}},
      {"{n} wants to know how hot the air is. Which tool should {p} use?",
       "a thermometer",
       {"a ruler", "a magnet", "a scale", "a magnifying glass"},
       {"A thermometer measures how hot or cold something is."}},
      {"{n} wants to measure how long a table is. Which tool should {p} use?",
       "a ruler",
       {"a thermometer", "a clock", "a scale", "a cup"},
       {"A ruler measures how long something is."}},
      {"{n} wants to know how heavy a bag of rice is. Which tool should {p} use?",
       "a scale",
       {"a ruler", "a thermometer", "a clock", "a magnet"},
       {"A scale measures how heavy something is."}},
      {"{n} sees a puddle on a sunny morning. By the afternoon the puddle is gone. Where did the "
       "water go?",
       "into the air",
       {"into a rock", "into the moon", "it turned to ice", "it became salt"},
       {"The sun dries puddles, and the water goes into the air."}},
      {"{n} plants a seed and gives it water and light. What will the seed most likely do?",
       "grow into a plant",
       {"turn into a stone", "melt away", "become a bird", "stay the same forever"},
       {"A seed with water and light grows into a plant."}},
      {"{n} makes a list of things in a garden. Which of these is a living thing?",
       "a tree",
       {"a rock", "a spoon", "a cup", "a brick"},
       {"Trees and animals are living things, and rocks are not."}},
      {"{n} stirs salt into a glass of warm water. What happens to the salt?",
       "it dissolves",
       {"it floats to the top", "it turns to ice", "it burns", "it grows"},
       {"Salt dissolves when it is stirred into water."}},
      {"{n} sees lightning far away and hears the thunder later. Why does the sound come later?",
       "light travels faster than sound",
       {"sound travels faster than light", "thunder is very quiet", "ears are slow",
        "lightning makes no light"},
       {"Light travels faster than sound, so thunder is heard after lightning is seen."}},
  };
}

}  // namespace depthlab::datagen
