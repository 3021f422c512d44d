// The slots of the drift stream and how people talk about them: where they live and work, what they eat,
// like and do, their dog, partner, car, allergy, birthday and the language they learn, as phrase tables.

/**
 * One way of saying something. `{v}` is the value, `{x}` the thing a preference is about (`{is}`,
 * `{doesnt}` and `{it}` agree with it, or with the value when there is none), `{old}` the previous (or
 * mistaken) value. Texts start in lower case unless they start with "I" or a name; the generator
 * capitalises the sentence. `reordered` says the same with the same words in another order.
 */
export interface Phrase {
  key: string;
  text: string;
  reordered?: string;
}

/**
 * `functional`: one value at a time that changes (a home, an employer); `preference`: one slot per thing,
 * flipping between two values (likes sushi / dislikes it); `stable`: stated once, only restated or corrected.
 */
export type FamilyKind = 'functional' | 'preference' | 'stable';

export interface SlotFamily {
  name: string;
  kind: FamilyKind;
  /** What preference slots are about (`likes:sushi`); absent for one-slot families. */
  subjects?: readonly string[];
  /** Values of functional and stable families; a preference's two values, the first the usual start. */
  values: readonly string[];
  /** Ways to state the value as it stands. */
  states(value: string): readonly Phrase[];
  /** Ways to announce a new value (`change`) or a flipped one (`flip`); empty for stable families. */
  transitions(value: string): readonly Phrase[];
  /** Ways to correct a mistaken value; empty when this slot is never corrected. */
  corrections: readonly Phrase[];
  /** The plain question a person would ask about the slot. */
  question(subject: string | undefined): string;
  /** Chance per month of a change or flip. */
  changeRate: number;
  /** Chance that a new value is first said wrong and corrected a few days later. */
  correctionRate: number;
}

const phrase = (key: string, text: string, reordered?: string): Phrase =>
  reordered === undefined ? { key, text } : { key, text, reordered };

const home: SlotFamily = {
  name: 'home',
  kind: 'functional',
  values: [
    'Lisbon',
    'Porto',
    'Berlin',
    'Denver',
    'Austin',
    'Toronto',
    'Melbourne',
    'Dublin',
    'Seattle',
    'Madrid',
    'Chicago',
    'Edinburgh',
    'Vancouver',
    'Lyon',
  ],
  states: () => [
    phrase('live', 'I live in {v}.', '{v} is where I live.'),
    phrase('living', "I'm living in {v} at the moment.", "at the moment I'm living in {v}."),
    phrase('home', 'home for me is {v}.', '{v} is home for me.'),
    phrase('based', "I'm based in {v}."),
    phrase('call-home', 'I call {v} home.'),
    phrase('place', 'my place is in {v}, near the old town.'),
  ],
  transitions: () => [
    phrase('moved', 'I moved to {v}.'),
    phrase('relocated', 'we just relocated to {v}.'),
    phrase('finally', "I've finally moved to {v}!"),
    phrase('packed', 'big news: I packed up and moved to {v}.'),
    phrase('left', 'I left {old} and moved to {v}.'),
    phrase('address', "new address: I'm in {v} now."),
    phrase('settling', "I'm settling into my new flat in {v}."),
  ],
  corrections: [
    phrase('wrong', 'sorry, I got that wrong: I live in {v}, not {old}.'),
    phrase('correction', 'correction: it was {v} I moved to, not {old}.'),
    phrase('meant', 'wait, I said {old}, but I meant {v}.'),
  ],
  question: () => 'Where do I live?',
  changeRate: 0.08,
  correctionRate: 0.12,
};

const employer: SlotFamily = {
  name: 'employer',
  kind: 'functional',
  values: [
    'Northwind Traders',
    'Contoso',
    'Globex',
    'Initech',
    'Hooli',
    'Acme Corp',
    'Vandelay Industries',
    'Blue Harbor Bank',
    'Pinecrest Labs',
    'Riverside Hospital',
    'Brightline Media',
    'Summit Insurance',
  ],
  states: () => [
    phrase('work', 'I work at {v}.', '{v} is where I work.'),
    phrase('employer', 'my employer is {v}.', '{v} is my employer.'),
    phrase('employed', "I'm employed by {v}."),
    phrase('team', "I'm on the product team at {v}."),
    phrase('days', 'I spend my days working for {v}.'),
  ],
  transitions: () => [
    phrase('started', 'I started a new job at {v}.'),
    phrase('joined', 'I just joined {v}.'),
    phrase('quit', 'I quit {old} and took a job at {v}.'),
    phrase('first-day', 'today was my first day at {v}!'),
    phrase('offer', 'I accepted an offer from {v}.'),
    phrase('changed', 'I changed jobs: I work for {v} now.'),
  ],
  corrections: [
    phrase('mixed', 'sorry, I mixed that up: I work at {v}, not {old}.'),
    phrase('correction', 'correction: my new job is at {v}, not {old}.'),
  ],
  question: () => 'Where do I work?',
  changeRate: 0.07,
  correctionRate: 0.12,
};

const diet: SlotFamily = {
  name: 'diet',
  kind: 'functional',
  values: ['vegetarian', 'vegan', 'pescatarian', 'flexitarian'],
  states: () => [
    phrase('am', "I'm {v}."),
    phrase('follow', 'I follow a {v} diet.', 'a {v} diet is what I follow.'),
    phrase('only', 'I only eat {v} food.', '{v} food is the only food I eat.'),
    phrase('strict', 'I keep to a strict {v} diet.'),
  ],
  transitions: () => [
    phrase('went', 'I went {v} this month.'),
    phrase('switched', "I've switched to a {v} diet."),
    phrase('stopped', "I stopped being {old}; I'm {v} now."),
    phrase('decided', 'I decided to go {v}.'),
  ],
  corrections: [],
  question: () => 'What diet do I follow?',
  changeRate: 0.04,
  correctionRate: 0,
};

const pet: SlotFamily = {
  name: 'pet',
  kind: 'stable',
  values: ['Biscuit', 'Pepper', 'Luna', 'Milo', 'Ziggy', 'Olive', 'Bruno', 'Maple', 'Scout', 'Juniper'],
  states: () => [
    phrase('called', 'my dog is called {v}.', '{v} is what my dog is called.'),
    phrase('named', 'I have a dog named {v}.'),
    phrase('name', "my dog's name is {v}.", "{v} is my dog's name."),
    phrase('is', '{v} is my dog.', 'my dog is {v}.'),
    phrase('walk', 'I walk my dog {v} every morning.'),
  ],
  transitions: () => [],
  corrections: [
    phrase('oops', 'oops, my dog is called {v}, not {old}.'),
    phrase('typo', "sorry, typo earlier: my dog's name is {v}, not {old}."),
  ],
  question: () => "What is my dog's name?",
  changeRate: 0,
  correctionRate: 0.15,
};

const partner: SlotFamily = {
  name: 'partner',
  kind: 'functional',
  values: [
    'Sam',
    'Alex',
    'Jordan',
    'Priya',
    'Tomas',
    'Mei',
    'Noah',
    'Leila',
    'Chris',
    'Ana',
    'Ravi',
    'Elena',
  ],
  states: () => [
    phrase('partner', 'my partner is {v}.', '{v} is my partner.'),
    phrase('dating', "I'm dating {v}."),
    phrase('together', '{v} and I are together.'),
    phrase('seeing', "I've been seeing {v} for a while."),
  ],
  transitions: () => [
    phrase('broke-up', '{old} and I broke up; I am seeing {v} now.'),
    phrase('new', "I'm in a new relationship with {v}."),
    phrase('met', 'I met someone new: {v}.'),
    phrase('split', 'I split up with {old}, and now I date {v}.'),
  ],
  corrections: [],
  question: () => 'Who is my partner?',
  changeRate: 0.03,
  correctionRate: 0,
};

const car: SlotFamily = {
  name: 'car',
  kind: 'functional',
  values: [
    'Honda Civic',
    'Toyota Corolla',
    'Subaru Outback',
    'Volkswagen Golf',
    'Tesla Model 3',
    'Ford Focus',
    'Mazda 3',
    'Kia Niro',
    'Volvo XC40',
    'Nissan Leaf',
  ],
  states: () => [
    phrase('drive', 'I drive a {v}.', 'a {v} is what I drive.'),
    phrase('car', 'my car is a {v}.', 'a {v} is my car.'),
    phrase('own', 'I own a {v}.'),
    phrase('around', 'I get around in my {v}.'),
  ],
  transitions: () => [
    phrase('sold', 'I sold my {old} and bought a {v}.'),
    phrase('got', 'I just got a {v}.'),
    phrase('traded', 'I traded in the {old} for a {v}.'),
    phrase('new', 'new car: a {v}!'),
  ],
  corrections: [],
  question: () => 'What car do I drive?',
  changeRate: 0.05,
  correctionRate: 0,
};

const allergy: SlotFamily = {
  name: 'allergy',
  kind: 'stable',
  values: ['peanuts', 'shellfish', 'penicillin', 'cats', 'pollen', 'latex', 'tree nuts', 'eggs'],
  states: () => [
    phrase('allergic', "I'm allergic to {v}.", "{v} {is} something I'm allergic to."),
    phrase('allergy', 'I have an allergy to {v}.', 'an allergy to {v} is something I have.'),
    phrase('react', 'I react badly to {v}.'),
    phrase('avoid', 'I have to avoid {v} because of my allergy.'),
  ],
  transitions: () => [],
  corrections: [phrase('sorry', "sorry, it's {v} I'm allergic to, not {old}.")],
  question: () => 'What am I allergic to?',
  changeRate: 0,
  correctionRate: 0.05,
};

const birthday: SlotFamily = {
  name: 'birthday',
  kind: 'stable',
  values: [
    'March 3',
    'March 13',
    'July 21',
    'October 9',
    'January 30',
    'May 17',
    'August 2',
    'December 11',
    'June 26',
    'February 14',
    'September 5',
    'November 23',
  ],
  states: () => [
    phrase('is', 'my birthday is {v}.', '{v} is my birthday.'),
    phrase('born', 'I was born on {v}.'),
    phrase('celebrate', 'I celebrate my birthday on {v}.', 'on {v} I celebrate my birthday.'),
    phrase('falls', 'my birthday falls on {v} every year.'),
  ],
  transitions: () => [],
  corrections: [
    phrase('typo', 'sorry, typo: my birthday is {v}, not {old}.'),
    phrase('correction', 'correction: I was born on {v}, not {old}.'),
  ],
  question: () => 'When is my birthday?',
  changeRate: 0,
  correctionRate: 0.15,
};

const language: SlotFamily = {
  name: 'language',
  kind: 'functional',
  values: ['Spanish', 'Japanese', 'German', 'Portuguese', 'Italian', 'Korean', 'French', 'Mandarin'],
  states: () => [
    phrase('learning', "I'm learning {v}.", "{v} is the language I'm learning."),
    phrase('classes', 'I take {v} classes twice a week.'),
    phrase('studying', "I'm studying {v} in the evenings.", "in the evenings I'm studying {v}."),
    phrase('practice', 'I practice my {v} every day.'),
  ],
  transitions: () => [
    phrase('switched', 'I switched from {old} to {v}.'),
    phrase('dropped', 'I dropped {old} and started learning {v}.'),
    phrase('signed-up', 'I signed up for {v} lessons.'),
  ],
  corrections: [],
  question: () => 'Which language am I learning?',
  changeRate: 0.05,
  correctionRate: 0,
};

const likes: SlotFamily = {
  name: 'likes',
  kind: 'preference',
  subjects: [
    'sushi',
    'spicy food',
    'coffee',
    'olives',
    'mushrooms',
    'cilantro',
    'dark chocolate',
    'blue cheese',
    'oysters',
    'pineapple on pizza',
    'kimchi',
    'licorice',
  ],
  values: ['like', 'dislike'],
  states: (value) =>
    value === 'like'
      ? [
          phrase('love', 'I love {x}.', '{x} {is} something I love.'),
          phrase('enjoy', 'I really enjoy {x}.'),
          phrase('fan', "I'm a big fan of {x}."),
          phrase('adore', 'I adore {x}.'),
          phrase('favourite', '{x} {is} one of my favourite things.'),
        ]
      : [
          phrase('dislike', "I don't like {x}.", "{x} {is} something I don't like."),
          phrase('hate', 'I hate {x}.'),
          phrase('stand', "I can't stand {x}.", "{x} {is} something I can't stand."),
          phrase('not-fan', "I'm not a fan of {x}."),
          phrase('avoid', 'I avoid {x} whenever I can.'),
        ],
  transitions: (value) =>
    value === 'like'
      ? [
          phrase('used-to-hate', 'I used to hate {x}, but now I love {it}.'),
          phrase('come-around', "I've come around on {x}: I like {it} now."),
          phrase('turns-out', 'turns out I actually like {x} now.'),
          phrase('tried', 'I tried {x} again and loved {it}.'),
        ]
      : [
          phrase('gone-off', "I've gone off {x} lately."),
          phrase('anymore', "I don't like {x} anymore."),
          phrase('used-to-love', "I used to love {x}, but now I can't stand {it}."),
          phrase('disagree', '{x} {doesnt} agree with me anymore, so I avoid {it}.'),
        ],
  corrections: [],
  question: (subject) => `Do I like ${subject ?? 'it'}?`,
  changeRate: 0.06,
  correctionRate: 0,
};

const hobby: SlotFamily = {
  name: 'hobby',
  kind: 'preference',
  subjects: [
    'hiking',
    'running',
    'cycling',
    'swimming',
    'climbing',
    'skiing',
    'surfing',
    'kayaking',
    'sailing',
  ],
  values: ['yes', 'no'],
  states: (value) =>
    value === 'yes'
      ? [
          phrase('go', 'I go {x} most weekends.', 'most weekends I go {x}.'),
          phrase('into', "I'm really into {x}."),
          phrase('hobby', '{x} is my favourite hobby.', 'my favourite hobby is {x}.'),
          phrase('saturdays', 'I spend my Saturdays {x}.'),
          phrase('love', 'I love going {x}.'),
        ]
      : [
          phrase('anymore', "I don't go {x} anymore."),
          phrase('gave-up', 'I gave up {x}.'),
          phrase('no-time', 'I have no time for {x} these days.'),
        ],
  transitions: (value) =>
    value === 'yes'
      ? [
          phrase('picked-up', "I've picked up {x} again."),
          phrase('back', "I'm back to {x} every weekend."),
          phrase('started', 'I started {x} again this month.'),
        ]
      : [
          phrase('knee', 'I stopped {x} after I hurt my knee.'),
          phrase('this-year', 'I gave up {x} this year.'),
          phrase('months', "I haven't been {x} in months; I've quit."),
        ],
  corrections: [],
  question: (subject) => `Do I go ${subject ?? 'out'}?`,
  changeRate: 0.05,
  correctionRate: 0,
};

/** Every family, in the order a user's slots are laid out. */
export const slotFamilies: readonly SlotFamily[] = [
  home,
  employer,
  diet,
  pet,
  partner,
  car,
  allergy,
  birthday,
  language,
  likes,
  hobby,
];

/** Preference slots per user: how many foods and activities each user has an opinion on. */
export const subjectsPerUser: Readonly<Record<string, number>> = { likes: 3, hobby: 2 };

/** Given names of the simulated users (a number is appended past the end of the list). */
export const userNames: readonly string[] = [
  'maya',
  'jonas',
  'priya',
  'diego',
  'hana',
  'oliver',
  'amara',
  'felix',
  'lucia',
  'kenji',
];

/** Openers, closers and intensifiers people add when they say something again. */
export const fillers = {
  prefixes: [
    'just so you know, ',
    'as I mentioned, ',
    'like I said, ',
    'for the record, ',
    'again, ',
    'yeah, ',
    'remember, ',
    'oh, and ',
  ],
  suffixes: [', by the way.', ', as I said before.', ', just so you know.', ', still.'],
} as const;
