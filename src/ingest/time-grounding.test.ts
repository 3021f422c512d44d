// Table tests for time grounding: relative and absolute expressions against fixed reference dates.
import { describe, expect, it } from 'vitest';
import { isMnemoError } from '../core/errors.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';

const at = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T12:00:00Z` : iso);

// 2024-05-10 is a Friday, 2024-05-13 a Monday, 2024-05-14 a Tuesday, 2024-05-11 a Saturday.
type Row = [text: string, reference: string, start: string, end: string, granularity: string, label: string];
const rows: Row[] = [
  ['I moved to Lisbon last March', '2024-05-10', '2024-03-01', '2024-03-31', 'month', 'March 2024'],
  ['last March was cold', '2024-03-20', '2023-03-01', '2023-03-31', 'month', 'March 2023'],
  ['yesterday', '2023-05-08T13:56:00Z', '2023-05-07', '2023-05-07', 'day', '7 May 2023'],
  ['today is sunny', '2024-05-10', '2024-05-10', '2024-05-10', 'day', '10 May 2024'],
  ['see you tonight', '2024-05-10T23:30:00Z', '2024-05-10', '2024-05-10', 'day', '10 May 2024'],
  ['tomorrow works', '2024-05-10', '2024-05-11', '2024-05-11', 'day', '11 May 2024'],
  ['the day before yesterday', '2024-05-10', '2024-05-08', '2024-05-08', 'day', '8 May 2024'],
  ['last week was busy', '2024-05-10', '2024-04-29', '2024-05-05', 'week', 'week of 29 April 2024'],
  ['this week', '2024-05-10', '2024-05-06', '2024-05-12', 'week', 'week of 6 May 2024'],
  ['next week', '2024-05-10', '2024-05-13', '2024-05-19', 'week', 'week of 13 May 2024'],
  ['the week before was calm', '2024-05-10', '2024-04-29', '2024-05-05', 'week', 'week of 29 April 2024'],
  ['last weekend', '2024-05-13', '2024-05-11', '2024-05-12', 'week', 'weekend of 11 May 2024'],
  ['last weekend', '2024-05-11', '2024-05-04', '2024-05-05', 'week', 'weekend of 4 May 2024'],
  ['two days ago', '2024-05-10', '2024-05-08', '2024-05-08', 'day', '8 May 2024'],
  ['3 weeks ago', '2024-05-10', '2024-04-15', '2024-04-21', 'week', 'week of 15 April 2024'],
  ['a few days ago', '2024-05-10', '2024-05-05', '2024-05-08', 'day', '5 May 2024 – 8 May 2024'],
  ['a couple of months ago', '2024-05-10', '2024-03-01', '2024-03-31', 'month', 'March 2024'],
  ['last Tuesday', '2024-05-14', '2024-05-07', '2024-05-07', 'day', '7 May 2024'],
  ['last Tuesday', '2024-05-13', '2024-05-07', '2024-05-07', 'day', '7 May 2024'],
  ['next Tuesday', '2024-05-14', '2024-05-21', '2024-05-21', 'day', '21 May 2024'],
  ['I saw her on Friday', '2024-05-14', '2024-05-10', '2024-05-10', 'day', '10 May 2024'],
  ['I will see her on Friday', '2024-05-14', '2024-05-17', '2024-05-17', 'day', '17 May 2024'],
  ['next month', '2023-12-15', '2024-01-01', '2024-01-31', 'month', 'January 2024'],
  ['last month', '2024-01-10', '2023-12-01', '2023-12-31', 'month', 'December 2023'],
  ['last year', '2024-05-10', '2023-01-01', '2023-12-31', 'year', '2023'],
  ['this year', '2024-05-10', '2024-01-01', '2024-12-31', 'year', '2024'],
  ['In March we hiked', '2024-05-10', '2024-03-01', '2024-03-31', 'month', 'March 2024'],
  ['in June it rained', '2024-05-10', '2023-06-01', '2023-06-30', 'month', 'June 2023'],
  ['we will travel in June', '2024-05-10', '2024-06-01', '2024-06-30', 'month', 'June 2024'],
  ['since May it has been hard', '2024-05-10', '2024-05-01', '2024-05-31', 'month', 'May 2024'],
  ['in 2022 I lived abroad', '2024-05-10', '2022-01-01', '2022-12-31', 'year', '2022'],
  ['back in March 2019', '2024-05-10', '2019-03-01', '2019-03-31', 'month', 'March 2019'],
  ['on May 7, 2023 we met', '2024-05-10', '2023-05-07', '2023-05-07', 'day', '7 May 2023'],
  ['on 7 May 2023 we met', '2024-05-10', '2023-05-07', '2023-05-07', 'day', '7 May 2023'],
  ['logged 2023-05-07', '2024-05-10', '2023-05-07', '2023-05-07', 'day', '7 May 2023'],
  ['last summer', '2024-05-10', '2023-06-01', '2023-08-31', 'month', 'summer 2023'],
  ['last summer', '2024-10-01', '2024-06-01', '2024-08-31', 'month', 'summer 2024'],
  ['last winter', '2024-05-10', '2023-12-01', '2024-02-29', 'month', 'winter 2023–24'],
  ['in 2 weeks', '2024-05-10', '2024-05-20', '2024-05-26', 'week', 'week of 20 May 2024'],
  ['On March 7 we met', '2024-05-10', '2024-03-07', '2024-03-07', 'day', '7 March 2024'],
  ['We will meet on March 7', '2024-05-10', '2025-03-07', '2025-03-07', 'day', '7 March 2025'],
  ['paid on 12/25/2023', '2024-05-10', '2023-12-25', '2023-12-25', 'day', '25 December 2023'],
  ['next weekend', '2024-05-10', '2024-05-18', '2024-05-19', 'week', 'weekend of 18 May 2024'],
  ['5 years ago', '2024-05-10', '2019-01-01', '2019-12-31', 'year', '2019'],
  ['this past summer', '2024-10-01', '2024-06-01', '2024-08-31', 'month', 'summer 2024'],
  [
    'several weeks ago',
    '2024-05-10',
    '2024-03-18',
    '2024-04-21',
    'week',
    'week of 18 March 2024 – week of 15 April 2024',
  ],
];

describe('groundDates', () => {
  it.each(rows)('%s @ %s → %s..%s', (text, reference, start, end, granularity, label) => {
    const dates = groundDates({ text, reference: at(reference) });
    expect(dates).toHaveLength(1);
    expect(dates[0]).toMatchObject({ start, end, granularity, label });
  });

  it.each([
    ['I may go to the shop'],
    ['March on!'], // read as the verb: bare "March" followed by a verb particle is not a date
    ["We'll march to the gate"],
    ['We had 2022 apples'],
    ['Mondays are hard'],
    ['Nothing to see here'],
    [''],
  ])('finds no date in %j', (text) => {
    expect(groundDates({ text, reference: at('2024-05-10') })).toEqual([]);
  });

  it('reports phrase text, in text order, without duplicate intervals', () => {
    const dates = groundDates({
      text: 'I moved to Lisbon last March; yesterday I flew back, and yesterday was long.',
      reference: at('2024-05-10'),
    });
    expect(dates.map((date) => [date.text, date.start])).toEqual([
      ['last March', '2024-03-01'],
      ['yesterday', '2024-05-09'],
    ]);
  });

  it.each([
    ['We fly in 2 weeks', 'in 2 weeks'],
    ['I moved in 2022', '2022'],
    ['See you on Friday', 'Friday'],
    ['It was in December 2023', 'December 2023'],
  ])('reports the phrase of %j as %j', (text, phrase) => {
    expect(groundDates({ text, reference: at('2024-05-10') }).map((date) => date.text)).toEqual([phrase]);
  });

  it('rejects a non-finite reference with INVALID_INPUT', () => {
    let caught: unknown;
    try {
      groundDates({ text: 'yesterday', reference: Number.NaN });
    } catch (error) {
      caught = error;
    }
    expect(isMnemoError(caught) && caught.code === 'INVALID_INPUT').toBe(true);
  });
});

describe('formatDateIndexText', () => {
  it.each([
    ['', '2024-05-10', ''],
    ['yesterday', '2024-05-10', '[dates: 9 May 2024 (2024-05-09, Thursday)]'],
    [
      'last March and yesterday',
      '2024-05-10',
      '[dates: March 2024 (2024-03); 9 May 2024 (2024-05-09, Thursday)]',
    ],
    ['in 2022', '2024-05-10', '[dates: 2022]'],
    [
      'last week',
      '2024-05-10',
      '[dates: week of 29 April 2024 (2024-04-29 to 2024-05-05; April 2024, May 2024)]',
    ],
  ])('%j @ %s → %j', (text, reference, expected) => {
    expect(formatDateIndexText(groundDates({ text, reference: at(reference) }))).toBe(expected);
  });
});
