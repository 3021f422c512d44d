// A small hand-written lexicon of general English: common conversational words grouped into coarse concepts.
// The built-in embedder hashes the concept ids in as extra features, so 'where do you live' and
// 'I moved to Lisbon' share a 'residence' feature even though they share no word.
import { stemmer } from 'stemmer';

/**
 * Concept id → space-separated member words (surface forms; inflections are reached through stemming).
 * General English only, written by hand and not fitted to any dataset. A word may sit in several concepts.
 */
export const CONCEPT_LEXICON: Readonly<Record<string, string>> = {
  residence:
    'live lives lived living home house houses apartment flat condo move moved moving relocate relocated ' +
    'neighborhood neighbourhood neighbor neighbour rent rented landlord roommate hometown reside resident address',
  place:
    'where place city town village country countries state capital abroad overseas downtown suburb suburbs ' +
    'region area location lisbon paris london berlin madrid rome tokyo beijing delhi mumbai sydney toronto ' +
    'york chicago boston seattle california texas florida france spain italy germany portugal japan china ' +
    'india canada mexico brazil england ireland australia europe asia africa america',
  time_when:
    'when time date day days week weeks month months year years yesterday today tomorrow tonight morning ' +
    'afternoon evening night weekend ago recently lately soon later earlier since until schedule',
  weekday_month:
    'monday tuesday wednesday thursday friday saturday sunday january february march april june july ' +
    'august september october november december',
  season:
    'spring summer autumn fall winter season seasons holiday holidays christmas easter thanksgiving halloween',
  family:
    'family mom mum mother dad father parent parents sister sisters brother brothers sibling siblings son sons ' +
    'daughter daughters kid kids child children baby grandma grandpa grandmother grandfather grandparents aunt ' +
    'uncle cousin cousins nephew niece relatives',
  partner:
    'wife husband spouse partner boyfriend girlfriend fiance fiancee married marriage wedding engaged divorce ' +
    'divorced dating anniversary',
  friendship: 'friend friends buddy pal bestie friendship acquaintance classmate mate hangout hang',
  work:
    'job jobs work worked working career office boss manager colleague colleagues coworker coworkers employer ' +
    'employee hired hire fired quit resign promotion promoted salary position role company team client clients ' +
    'meeting meetings project projects intern internship shift profession occupation',
  business: 'business startup founder entrepreneur company companies firm customer customers sales marketing',
  school:
    'school study studied studying student students class classes course courses college university degree ' +
    'teacher professor lecture exam exams homework grade graduate graduated graduation thesis campus major semester',
  learning: 'learn learned learning lesson lessons practice tutorial skill skills training taught teach',
  food:
    'food eat ate eating meal meals dinner lunch breakfast brunch snack cook cooked cooking recipe recipes ' +
    'restaurant pizza pasta burger sushi salad soup bread cheese chicken beef pork fish rice noodles dessert cake ' +
    'chocolate vegan vegetarian delicious tasty hungry',
  drink: 'drink drinks coffee tea beer wine juice water cocktail soda latte espresso bar pub',
  cooking: 'cook cooked cooking bake baked baking recipe kitchen oven grill chef',
  pets: 'pet pets dog dogs puppy cat cats kitten hamster rabbit bird parrot fish goldfish turtle vet leash adopt adopted',
  animals: 'animal animals wildlife zoo horse cow bear lion tiger wolf deer fox',
  travel:
    'travel traveled travelled traveling travelling trip trips vacation journey tour tourist flight flights fly ' +
    'flew airport plane hotel visit visited visiting abroad passport luggage backpacking cruise destination',
  transport: 'car cars drive drove driving bus train subway metro bike bicycle taxi commute traffic road',
  health:
    'health healthy sick ill illness doctor doctors hospital nurse clinic medicine medication pill surgery ' +
    'injury injured pain headache fever flu cold cough disease diagnosis therapy symptoms recover recovered',
  fitness:
    'exercise workout gym fitness run running ran jog jogging yoga pilates lift weights marathon hike hiking ' +
    'cardio stretch trainer',
  mental_health:
    'stress stressed anxiety anxious depression depressed therapist therapy burnout mental overwhelmed',
  sleep: 'sleep slept sleeping tired nap insomnia bed bedtime rest exhausted',
  sports:
    'sport sports football soccer basketball baseball tennis golf hockey volleyball rugby cricket swimming swim ' +
    'cycling skiing ski surfing surf climbing match game team league coach tournament score',
  music:
    'music song songs sing singing sang singer band concert album guitar piano drums violin playlist listen ' +
    'listening musician melody jazz rock pop classical rap',
  art: 'art artist paint painting painted draw drawing sketch gallery museum sculpture photography photo photos',
  reading: 'read reading book books novel novels author library story stories poetry poem magazine chapter',
  writing: 'write writing wrote written blog journal diary essay article writer poem',
  movies: 'movie movies film films cinema watch watched series tv television netflix episode actor actress',
  games: 'game games gaming videogame videogames play played playing console chess puzzle board',
  hobby:
    'hobby hobbies craft crafts knitting gardening garden collect collecting camping fishing dance dancing',
  nature:
    'nature outdoors park forest mountain mountains beach lake river ocean sea hike camping garden trees flowers',
  weather:
    'weather rain raining rainy snow snowing sunny sun cloudy storm wind windy hot cold warm temperature',
  emotion_positive:
    'happy glad joy excited thrilled love loved loving enjoy enjoyed fun great wonderful amazing grateful proud ' +
    'proudly cheerful delighted',
  emotion_negative:
    'sad upset angry mad frustrated disappointed lonely afraid scared worried fear hate hated terrible awful ' +
    'miserable cry cried hurt',
  preference: 'like likes liked favorite favourite prefer preferred love loves enjoy enjoys fan hate dislike',
  money:
    'money cash pay paid paying price cost costs expensive cheap budget save saved savings spend spent buy bought ' +
    'purchase bank loan debt income invest investment dollars euros afford',
  shopping: 'shop shopping store mall buy bought order ordered purchase amazon groceries grocery',
  clothing: 'clothes clothing shirt dress shoes jacket jeans wear wore outfit fashion style',
  technology:
    'computer laptop phone smartphone app apps software code coding program programming internet website online ' +
    'email tech technology developer engineer',
  communication: 'call called phone text texted message messages chat talk talked conversation email letter',
  religion: 'church god pray prayer faith religion religious temple mosque spiritual',
  politics: 'politics political election vote voted government president policy',
  celebration: 'birthday party celebrate celebrated celebration anniversary gift gifts festival',
  volunteer: 'volunteer volunteering charity donate donated donation community nonprofit fundraiser',
  age: 'age old older young younger born birthday years',
  identity: 'name named called identity gender nationality language languages speak spoke',
  goal: 'goal goals plan plans planning dream dreams hope hoping want wanted wish aim future ambition',
  achievement: 'win won award prize achievement accomplish accomplished succeed success finished completed',
  problem:
    'problem problems issue issues trouble difficult struggle struggling challenge mistake fail failed',
  help: 'help helped helping support supported advice advise assist mentor',
  body: 'hair eyes face hand hands arm arms legs tall weight height',
  home_chores:
    'clean cleaning laundry dishes chores vacuum tidy repair fix fixed renovate renovation furniture',
  vehicle: 'car truck motorcycle vehicle bike scooter',
  birth_death: 'born birth baby pregnant pregnancy died death funeral passed grief',
  allergy_diet: 'allergy allergic diet gluten lactose peanut vegan vegetarian keto',
};

let conceptIndex: Map<string, string[]> | undefined;

function stemOf(word: string): string {
  return word.length > 3 && !/^\d/.test(word) ? stemmer(word) : word;
}

/** word (surface or stem) → concept ids; built once, on first use. */
function getConceptIndex(): Map<string, string[]> {
  if (conceptIndex) return conceptIndex;
  const index = new Map<string, string[]>();
  const add = (key: string, concept: string): void => {
    const list = index.get(key);
    if (list === undefined) index.set(key, [concept]);
    else if (!list.includes(concept)) list.push(concept);
  };
  for (const [concept, words] of Object.entries(CONCEPT_LEXICON)) {
    for (const word of words.split(' ')) {
      if (word.length === 0) continue;
      add(word, concept);
      add(stemOf(word), concept);
    }
  }
  conceptIndex = index;
  return index;
}

const noConcepts: readonly string[] = [];

/**
 * The concept ids of one lower-cased word or stem (empty when the word is not in the lexicon).
 *
 * @example
 * conceptsOf('moved') // ['residence']
 */
export function conceptsOf(word: string): readonly string[] {
  return getConceptIndex().get(word) ?? noConcepts;
}
