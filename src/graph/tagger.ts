// The named-entity tagger (compromise), loaded on first use: loading it costs a quarter of a second, which a
// process that never writes a memory (a CLI search, a server answering reads) should not pay at start.
import { createRequire } from 'node:module';
import type nlpModule from 'compromise';

/** The names a tagger finds in a text, by kind, as they are written there. */
export interface TaggedNames {
  people: string[];
  places: string[];
  organizations: string[];
}

export type Tagger = (text: string) => TaggedNames;

let loading: Promise<Tagger> | undefined;

/**
 * The tagger, loaded once per process.
 *
 * @example
 * const tag = await loadTagger();
 * tag('Emma moved to Paris.').places; // ['Paris']
 */
export function loadTagger(): Promise<Tagger> {
  // The package's one-file CommonJS build loads in ~260 ms, its ESM source tree (hundreds of modules) in ~400.
  loading ??= Promise.resolve().then(() => {
    const nlp = createRequire(import.meta.url)('compromise') as typeof nlpModule;
    return (text: string) => tag(nlp, text);
  });
  return loading;
}

function tag(nlp: typeof nlpModule, text: string): TaggedNames {
  const doc = nlp(text);
  // Tag matches, not the people()/places() views: the same tags, without their extra normalisation work.
  return {
    people: doc.match('#Person+').out('array') as string[],
    places: doc.match('#Place+').out('array') as string[],
    organizations: doc.match('#Organization+').out('array') as string[],
  };
}
