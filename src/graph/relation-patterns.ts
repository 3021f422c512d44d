// The relation patterns of personal conversation, as data: family and social roles ("my sister Emma") and
// the verbs of where people live, work and study, what they like, own, visited and plan. Each pattern
// reads its object right after the cue; graph/extract-graph.ts finds the subject and the object's entity.
import { analyze } from '../models/text-analyzer.js';

/** Family and social roles: "my sister Emma" makes Emma the speaker's sister. */
export const ROLE_WORDS: ReadonlyMap<string, string> = new Map([
  ['sister', 'sister_of'],
  ['brother', 'brother_of'],
  ['sibling', 'sibling_of'],
  ['mom', 'mother_of'],
  ['mother', 'mother_of'],
  ['mum', 'mother_of'],
  ['dad', 'father_of'],
  ['father', 'father_of'],
  ['son', 'son_of'],
  ['daughter', 'daughter_of'],
  ['kid', 'child_of'],
  ['child', 'child_of'],
  ['wife', 'married_to'],
  ['husband', 'married_to'],
  ['spouse', 'married_to'],
  ['partner', 'partner_of'],
  ['fiance', 'engaged_to'],
  ['fiancé', 'engaged_to'],
  ['fiancee', 'engaged_to'],
  ['fiancée', 'engaged_to'],
  ['boyfriend', 'dating'],
  ['girlfriend', 'dating'],
  ['cousin', 'cousin_of'],
  ['aunt', 'aunt_of'],
  ['uncle', 'uncle_of'],
  ['niece', 'niece_of'],
  ['nephew', 'nephew_of'],
  ['grandma', 'grandmother_of'],
  ['grandmother', 'grandmother_of'],
  ['grandpa', 'grandfather_of'],
  ['grandfather', 'grandfather_of'],
  ['friend', 'friend_of'],
  ['bestie', 'friend_of'],
  ['boss', 'boss_of'],
  ['manager', 'boss_of'],
  ['colleague', 'colleague_of'],
  ['coworker', 'colleague_of'],
  ['co-worker', 'colleague_of'],
  ['roommate', 'roommate_of'],
  ['neighbor', 'neighbor_of'],
  ['neighbour', 'neighbor_of'],
  ['mentor', 'mentor_of'],
  ['teacher', 'teacher_of'],
  ['therapist', 'therapist_of'],
  ['doctor', 'doctor_of'],
]);

/** Words that may stand between "my" and a role ("my best friend", "my older sister"). */
export const ROLE_MODIFIERS =
  'best|older|younger|little|big|baby|twin|oldest|youngest|new|old|close|dear|ex|step';

const PET_WORDS =
  'dog|dogs|cat|cats|puppy|puppies|kitten|kittens|pet|pets|hamster|parrot|bird|rabbit|bunny|horse|turtle|fish|guinea pig|lizard|snake';

/** How an object is read: an entity of a type, or a literal phrase. */
export type ObjectKind = 'place' | 'organization' | 'person' | 'animal' | 'thing' | 'literal';

export interface RelationPattern {
  predicate: string;
  /** The cue, matched case-insensitively right after the subject (or anywhere for `anywhere`). */
  cue: RegExp;
  object: ObjectKind;
  /** How sure the pattern is, 0..1. */
  confidence: number;
}

const cue = (source: string): RegExp => new RegExp(`\\b(?:${source})\\s+`, 'iu');

/** Relation cues, most specific first; the first that matches a clause wins for its predicate. */
export const RELATION_PATTERNS: readonly RelationPattern[] = [
  {
    predicate: 'lives_in',
    cue: cue("(?:live|lives|living|lived|reside|resides|'m based|am based|is based) in"),
    object: 'place',
    confidence: 0.8,
  },
  {
    predicate: 'lives_in',
    cue: cue('(?:moved|move|moving|relocated|relocating) (?:back )?to'),
    object: 'place',
    confidence: 0.8,
  },
  { predicate: 'born_in', cue: cue('(?:was|were) born in'), object: 'place', confidence: 0.8 },
  {
    predicate: 'works_at',
    cue: cue('(?:work|works|working|worked|volunteer|volunteers|volunteering) (?:at|for)'),
    object: 'organization',
    confidence: 0.75,
  },
  {
    predicate: 'works_at',
    cue: cue(
      '(?:got a job|have a job|has a job|new job|started a job|job|got hired|was hired|hired|employed|interning|internship) (?:at|by|with)',
    ),
    object: 'organization',
    confidence: 0.75,
  },
  { predicate: 'works_at', cue: cue('(?:joined|joining)'), object: 'organization', confidence: 0.5 },
  {
    predicate: 'studies_at',
    cue: cue('(?:study|studies|studying|studied|enrolled|student) (?:at|in)'),
    object: 'organization',
    confidence: 0.7,
  },
  {
    predicate: 'studies_at',
    cue: cue('(?:attend|attends|attending|go to school at|goes to school at)'),
    object: 'organization',
    confidence: 0.55,
  },
  {
    predicate: 'married_to',
    cue: cue('(?:married to|got married to|marry|marrying|married)'),
    object: 'person',
    confidence: 0.75,
  },
  {
    predicate: 'visited',
    cue: cue(
      '(?:visited|went to|been to|traveled to|travelled to|trip to|vacation in|holiday in|flew to|road trip to)',
    ),
    object: 'place',
    confidence: 0.6,
  },
  {
    predicate: 'has_pet',
    cue: cue(
      `(?:adopted|got|have|has|own|owns) (?:a |an |two |three |my |our )?(?:new )?(?:${PET_WORDS})(?: named| called)?`,
    ),
    object: 'animal',
    confidence: 0.7,
  },
  {
    predicate: 'likes',
    cue: cue(
      "(?:love|loves|loved|like|likes|enjoy|enjoys|enjoyed|adore|adores|'m into|am into|is into|'m passionate about|am passionate about|'m a fan of|am a fan of|fan of)",
    ),
    object: 'literal',
    confidence: 0.55,
  },
  {
    predicate: 'dislikes',
    cue: cue("(?:hate|hates|dislike|dislikes|can't stand|cannot stand|don't like|doesn't like|not a fan of)"),
    object: 'literal',
    confidence: 0.55,
  },
  {
    predicate: 'plans_to',
    cue: cue(
      "(?:plan|plans|planning|'m going|am going|is going|'re going|are going|gonna|hope|hoping|want|wants|intend|intends|thinking about going) to",
    ),
    object: 'literal',
    confidence: 0.5,
  },
];

/**
 * What a question asks about, by predicate: the words that ask for a relation of that kind ("Where has
 * Emma travelled?" asks for places visited; "What activities…" for what someone likes). Graph recall
 * favours the relations a question asks for (graph/graph-candidates.ts).
 */
export const PREDICATE_QUESTIONS: ReadonlyArray<{ predicates: readonly string[]; asks: RegExp }> = [
  {
    predicates: ['lives_in', 'born_in'],
    asks: /\b(?:live[sd]?|living|moved?|home|hometown|from|born|city|country|reside[sd]?)\b/iu,
  },
  {
    predicates: ['visited', 'plans_to'],
    asks: /\b(?:where|visit(?:ed|s)?|went|been|travel(?:l?ed)?|trips?|vacation|holidays?)\b/iu,
  },
  {
    predicates: ['works_at', 'studies_at'],
    asks: /\b(?:work(?:s|ed)?|jobs?|career|employer|company|studi(?:es|ed)|study|school|college|university|volunteer(?:s|ed)?)\b/iu,
  },
  {
    predicates: ['likes', 'dislikes'],
    asks: /\b(?:likes?|loves?|enjoys?|hobb(?:y|ies)|activit(?:y|ies)|interests?|favou?rite|fun|passion(?:ate)?|relax|hates?|dislikes?|into)\b/iu,
  },
  { predicates: ['has_pet'], asks: /\b(?:pets?|dogs?|cats?|pupp(?:y|ies)|animals?)\b/iu },
  {
    predicates: ['plans_to'],
    asks: /\b(?:plans?|planning|future|goals?|hop(?:e|es|ing)|want(?:s|ed)?|going to)\b/iu,
  },
  {
    predicates: [
      'married_to',
      'dating',
      'engaged_to',
      'partner_of',
      'sister_of',
      'brother_of',
      'sibling_of',
      'mother_of',
      'father_of',
      'son_of',
      'daughter_of',
      'child_of',
      'friend_of',
      'cousin_of',
    ],
    asks: /\b(?:family|married|husband|wife|partner|spouse|sister|brother|siblings?|kids?|children|son|daughter|mom|mother|dad|father|parents?|friends?|relationship|dating|boyfriend|girlfriend)\b/iu,
  },
];

/** Words that end an object phrase. */
export const PHRASE_STOP =
  /\s(?:and|but|because|'cause|so|since|when|while|which|who|that|with|for|after|before|until|if|though|although|as|or|last|next|this|yesterday|today|tomorrow|tonight|ago|now|recently|lately|again|too|really|soon|these|those)\b|\s[-–—]|[,.;:!?()"\n]/iu;

/** Object phrases that are not things a person likes, visits or plans: pronouns, clauses, times. */
export const NOT_OBJECTS =
  /^(?:you|your|it|its|it's|that|this|those|these|them|they|he|she|we|us|me|him|her|how|what|when|where|why|who|which|the way|to|so|a few|a couple|some time|one|ones|being|was|were|is|are|been|hear|see|know|say|tell|talk|chat|check|help|try|get|do|go|make|have|there|here|everywhere|everything|anything|something|a lot|lots)\b/iu;

/** Words of a cue that say nothing of the relation itself (prepositions, auxiliaries, pronoun contractions). */
const CUE_GLUE = new Set(
  'in at to for by with of back a am is was were have has got new fan into not don doesn can cannot stand'.split(
    ' ',
  ),
);

let cueWords: Map<string, string[]> | undefined;

/**
 * The predicates whose cues use the word of stem `stem` (the analyser's stems: "based" → "base"): "based" and
 * "live" both say `lives_in`, "hired" and "work" both say `works_at`. The relation vocabulary of the offline
 * graph, for callers that need to know when two wordings state the same relation.
 *
 * @example
 * predicatesOfCueWord('base'); // ['lives_in']
 */
export function predicatesOfCueWord(stem: string): readonly string[] {
  if (cueWords === undefined) {
    cueWords = new Map();
    for (const pattern of RELATION_PATTERNS) {
      for (const cueWord of pattern.cue.source.toLowerCase().match(/[a-z]+/gu) ?? []) {
        if (cueWord.length < 3 || CUE_GLUE.has(cueWord)) continue;
        const [key] = analyze(cueWord, { keepStopwords: true });
        if (key === undefined) continue;
        const predicates = cueWords.get(key) ?? [];
        if (!predicates.includes(pattern.predicate)) predicates.push(pattern.predicate);
        cueWords.set(key, predicates);
      }
    }
  }
  return cueWords.get(stem) ?? [];
}
