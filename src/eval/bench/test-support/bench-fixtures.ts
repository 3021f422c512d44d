// Tiny LoCoMo and LongMemEval files in the official formats, written by the bench tests into temp dirs.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Two LoCoMo sessions (plus a dangling third date, as in conv-26) and five questions. */
export const locomoFixture = [
  {
    sample_id: 'conv-test',
    conversation: {
      speaker_a: 'Caroline',
      speaker_b: 'Melanie',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Caroline', dia_id: 'D1:1', text: 'I went to the pottery workshop downtown yesterday.' },
        { speaker: 'Melanie', dia_id: 'D1:2', text: 'Nice! My kids started swimming lessons this week.' },
        {
          speaker: 'Caroline',
          dia_id: 'D1:3',
          text: 'Here is what I made.',
          img_url: ['https://example.invalid/1.jpg'],
          blip_caption: 'a photo of a sunflower painting',
        },
      ],
      session_2_date_time: '10:00 am on 20 June, 2023',
      session_2: [
        { speaker: 'Melanie', dia_id: 'D2:1', text: 'We adopted a puppy named Biscuit.' },
        { speaker: 'Caroline', dia_id: 'D2:2', text: 'I am reading a novel about volcanoes.' },
        { speaker: 'Melanie', dia_id: 'D2:3', text: 'Camping at the lake was wonderful.' },
      ],
      session_3_date_time: '9:00 am on 1 July, 2023',
    },
    qa: [
      {
        question: 'Which pottery workshop did Caroline attend?',
        answer: 'downtown',
        evidence: ['D1:1'],
        category: 4,
      },
      { question: 'Who shared a sunflower painting?', answer: 'Caroline', evidence: ['D1:3'], category: 4 },
      {
        question: 'Which puppy and which volcanoes novel?',
        answer: 'Biscuit',
        evidence: ['D2:1; D2:2'],
        category: 1,
      },
      {
        question: 'When did Melanie go camping at the lake?',
        answer: 'June 2023',
        evidence: ['D2:3:'],
        category: 2,
      },
      {
        question: 'What did Melanie say about opera?',
        adversarial_answer: 'nothing',
        evidence: [],
        category: 5,
      },
    ],
  },
];

function turns(...pairs: Array<[string, string, boolean?]>) {
  return pairs.map(([role, content, hasAnswer]) =>
    hasAnswer === true ? { role, content, has_answer: true } : { role, content },
  );
}

/** Two scored LongMemEval questions (one gold session, two gold sessions) and one abstention question. */
export const longMemEvalFixture = [
  {
    question_id: 'q-cat',
    question_type: 'single-session-user',
    question: 'What is the name of my cat?',
    answer: 'Luna',
    question_date: '2023/05/30 (Tue) 10:00',
    haystack_session_ids: ['s_bread', 'answer_cat', 's_hike'],
    haystack_dates: ['2023/05/01 (Mon) 09:00', '2023/05/10 (Wed) 18:30', '2023/05/20 (Sat) 12:00'],
    haystack_sessions: [
      turns(
        ['user', 'I need a recipe for banana bread.'],
        ['assistant', 'Mix flour, eggs and ripe bananas.'],
      ),
      turns(
        ['user', 'My cat Luna loves sleeping on the windowsill.', true],
        ['assistant', 'That sounds adorable!'],
      ),
      turns(
        ['user', 'Can you suggest hiking trails near Denver?'],
        ['assistant', 'Try the Mount Falcon trail.'],
      ),
    ],
    answer_session_ids: ['answer_cat'],
  },
  {
    question_id: 'q-portugal',
    question_type: 'multi-session',
    question: 'How many trips to Portugal did I take?',
    answer: 2,
    question_date: '2023/06/30 (Fri) 10:00',
    haystack_session_ids: ['answer_lisbon', 'answer_porto', 's_guitar'],
    haystack_dates: ['2023/04/01 (Sat) 09:00', '2023/05/01 (Mon) 09:00', '2023/06/01 (Thu) 09:00'],
    haystack_sessions: [
      turns(
        ['user', 'I flew to Lisbon in Portugal for a conference.', true],
        ['assistant', 'Conferences are tiring.'],
      ),
      turns(
        ['user', 'We went back to Portugal, to Porto, for a vacation.', true],
        ['assistant', 'Enjoy the wine!'],
      ),
      turns(['user', 'I am learning to play the guitar.'], ['assistant', 'Start with simple chords.']),
    ],
    answer_session_ids: ['answer_lisbon', 'answer_porto'],
  },
  {
    question_id: 'q-dog_abs',
    question_type: 'single-session-user',
    question: 'What is the name of my dog?',
    answer: 'You did not mention a dog.',
    question_date: '2023/05/30 (Tue) 10:00',
    haystack_session_ids: ['s_only'],
    haystack_dates: ['2023/05/01 (Mon) 09:00'],
    haystack_sessions: [turns(['user', 'I like tea.'], ['assistant', 'Tea is lovely.'])],
    answer_session_ids: [],
  },
];

/** Writes the fixtures into `directory`: `locomo.json` and a gzipped `longmemeval.json.gz`. */
export async function writeBenchFixtures(
  directory: string,
): Promise<{ locomo: string; longMemEval: string }> {
  const locomo = path.join(directory, 'locomo.json');
  const longMemEval = path.join(directory, 'longmemeval.json.gz');
  await writeFile(locomo, JSON.stringify(locomoFixture));
  await writeFile(longMemEval, gzipSync(JSON.stringify(longMemEvalFixture)));
  return { locomo, longMemEval };
}
