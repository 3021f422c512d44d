// DOM builders of the dashboard: memory tables grouped by kind, the timeline, search explanations, history.
// Every piece of memory content is set with textContent, never parsed as HTML.

/**
 * Creates an element; string/number children become text nodes.
 *
 * @example
 * el('td', { className: 'muted' }, 'no dates');
 *
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node | string | number | null | undefined)} children
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('aria-') || name === 'role' || name === 'scope') node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** `2024-05-10 14:03 UTC` from an ISO time. */
export function formatTime(iso) {
  if (typeof iso !== 'string') return '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The grounded date labels of a memory (`attributes.dates[].label`). */
export function groundedDates(memory) {
  const dates = memory.attributes?.dates;
  if (!Array.isArray(dates)) return [];
  return dates
    .map((date) => (typeof date?.label === 'string' ? `${date.label} (“${date.text ?? ''}”)` : ''))
    .filter((label) => label !== '');
}

function sourceCell(memory) {
  const source = memory.source ?? {};
  const ids = Array.isArray(source.messageIds) ? source.messageIds : [];
  return el(
    'td',
    {},
    el('span', { className: 'badge' }, source.origin ?? 'unknown'),
    source.attributedTo ? el('span', {}, ` by ${source.attributedTo}`) : null,
    source.trust ? el('span', { className: 'muted' }, ` · trust ${source.trust}`) : null,
    ids.length > 0
      ? el(
          'div',
          { className: 'muted small', title: ids.join(', ') },
          `messages: ${ids.map(shortId).join(', ')}`,
        )
      : null,
  );
}

function shortId(id) {
  return typeof id === 'string' && id.length > 12 ? `…${id.slice(-8)}` : String(id);
}

function memoryTextCell(memory) {
  const retired = typeof memory.retiredAt === 'string';
  return el(
    'td',
    { className: retired ? 'memory-text retired' : 'memory-text' },
    el('span', { className: 'text' }, memory.text),
    retired
      ? el('span', { className: 'badge retired-badge' }, `retired ${formatTime(memory.retiredAt)}`)
      : null,
  );
}

function actionsCell(memory, actions) {
  const cell = el('td', { className: 'actions' });
  const label = memory.text.length > 40 ? `${memory.text.slice(0, 40)}…` : memory.text;
  if (typeof memory.retiredAt !== 'string') {
    cell.append(
      el('button', {
        type: 'button',
        textContent: 'Edit',
        'aria-label': `Edit memory: ${label}`,
        onclick: () => actions.edit(memory),
      }),
    );
  }
  cell.append(
    el('button', {
      type: 'button',
      textContent: 'History',
      'aria-label': `History of memory: ${label}`,
      onclick: () => actions.history(memory),
    }),
    el('button', {
      type: 'button',
      className: 'danger',
      textContent: 'Forget',
      'aria-label': `Forget memory: ${label}`,
      onclick: () => actions.forget(memory),
    }),
  );
  return cell;
}

function memoryRow(memory, actions) {
  const dates = groundedDates(memory);
  return el(
    'tr',
    { dataset: { memoryId: memory.id } },
    memoryTextCell(memory),
    el('td', {}, el('time', { dateTime: memory.observedAt }, formatTime(memory.observedAt))),
    el('td', {}, dates.length > 0 ? dates.join('; ') : el('span', { className: 'muted' }, '—')),
    sourceCell(memory),
    actionsCell(memory, actions),
  );
}

function memoryTable(caption, memories, actions) {
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['Memory', 'Observed', 'Dates mentioned', 'Source', 'Actions'].map((name) =>
        el('th', { scope: 'col' }, name),
      ),
    ),
  );
  return el(
    'table',
    {},
    el('caption', { className: 'visually-hidden' }, caption),
    head,
    el('tbody', {}, ...memories.map((memory) => memoryRow(memory, actions))),
  );
}

/**
 * The memories grouped by kind, each group a table.
 *
 * @param {object[]} memories
 * @param {{ edit: Function, history: Function, forget: Function }} actions
 */
export function renderByKind(memories, actions) {
  const groups = new Map();
  for (const memory of memories) {
    if (!groups.has(memory.kind)) groups.set(memory.kind, []);
    groups.get(memory.kind).push(memory);
  }
  const fragment = document.createDocumentFragment();
  for (const [kind, items] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    fragment.append(
      el(
        'section',
        { className: 'group', 'aria-label': `${kind} memories` },
        el('h3', {}, `${kind} `, el('span', { className: 'count' }, `(${items.length})`)),
        memoryTable(`${kind} memories`, items, actions),
      ),
    );
  }
  return fragment;
}

/**
 * The memories by the day they were observed, newest day first.
 *
 * @param {object[]} memories
 * @param {{ edit: Function, history: Function, forget: Function }} actions
 */
export function renderTimeline(memories, actions) {
  const days = new Map();
  for (const memory of [...memories].sort((a, b) => b.observedAt.localeCompare(a.observedAt))) {
    const day = memory.observedAt.slice(0, 10);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(memory);
  }
  const list = el('ol', { className: 'timeline' });
  for (const [day, items] of days) {
    list.append(
      el(
        'li',
        {},
        el('h3', {}, el('time', { dateTime: day }, day)),
        memoryTable(`Memories observed on ${day}`, items, actions),
      ),
    );
  }
  return list;
}

function signalRow(name, signal, raw) {
  const number = (value) => (typeof value === 'number' ? value.toFixed(4) : '—');
  return el(
    'tr',
    {},
    el('th', { scope: 'row' }, name),
    el('td', {}, raw),
    el('td', {}, number(signal?.normalized ?? signal?.value)),
    el('td', {}, number(signal?.weight)),
    el('td', {}, number(signal?.contribution ?? signal?.score)),
  );
}

/** The explanation of one search hit: every signal with its raw value, weight and contribution. */
export function renderExplanation(explanation) {
  if (!explanation) return el('p', { className: 'muted' }, 'No explanation returned.');
  const rows = [];
  const lexical = explanation.lexical;
  rows.push(
    signalRow(
      'Lexical (BM25)',
      lexical,
      lexical ? `score ${lexical.score.toPrecision(3)}, rank ${lexical.rank}` : 'no match',
    ),
  );
  const vector = explanation.vector;
  rows.push(
    signalRow(
      'Vector',
      vector,
      vector ? `similarity ${vector.similarity.toFixed(3)}, rank ${vector.rank}` : 'not a candidate',
    ),
  );
  const fusion = explanation.fusion;
  rows.push(
    signalRow(
      `Fusion (${fusion?.method ?? '?'})`,
      { score: fusion?.score },
      fusion?.k ? `k ${fusion.k}` : '',
    ),
  );
  const recency = explanation.recency;
  rows.push(
    signalRow(
      'Recency',
      recency,
      typeof recency?.ageDays === 'number'
        ? `${recency.ageDays.toFixed(1)} days old, half-life ${recency.halfLifeDays} d`
        : '',
    ),
  );
  rows.push(signalRow('Importance', explanation.importance, ''));
  if (explanation.textMatch) {
    rows.push(signalRow('Text match', explanation.textMatch, 'share of query terms in the memory itself'));
  }
  const terms = Array.isArray(explanation.matchedTerms) ? explanation.matchedTerms : [];
  return el(
    'div',
    { className: 'explanation' },
    el(
      'table',
      {},
      el('caption', {}, `Score ${explanation.final.toFixed(4)} = fusion + recency + importance + text match`),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Signal', 'Raw', 'Normalised', 'Weight', 'Contribution'].map((name) =>
            el('th', { scope: 'col' }, name),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    el('p', { className: 'small' }, 'Matched terms: ', terms.length > 0 ? terms.join(', ') : 'none'),
  );
}

/**
 * The search results, each with its score and explanation.
 *
 * @param {{ memory: object, score: number, explanation?: object }[]} results
 */
export function renderResults(results) {
  if (results.length === 0) return el('p', { className: 'muted' }, 'No memory matches this search.');
  return el(
    'ol',
    { className: 'results' },
    ...results.map((result) =>
      el(
        'li',
        { dataset: { memoryId: result.memory.id } },
        el(
          'p',
          { className: 'result-head' },
          el('span', { className: 'text' }, result.memory.text),
          el('span', { className: 'badge' }, result.memory.kind),
          el('span', { className: 'score' }, `score ${result.score.toFixed(4)}`),
        ),
        el('details', {}, el('summary', {}, 'Why this result'), renderExplanation(result.explanation)),
      ),
    ),
  );
}

/**
 * The change history of a memory, oldest first; the version a change retired is shown struck through.
 *
 * @param {{ event: string, at: string, actor: string, before?: object, after?: object, reason?: string }[]} history
 */
export function renderHistory(history) {
  if (history.length === 0) return el('p', { className: 'muted' }, 'No history.');
  return el(
    'ol',
    { className: 'history' },
    ...collapseSupersessions(history).map((entry) =>
      el(
        'li',
        {},
        el(
          'p',
          {},
          el('strong', {}, entry.event),
          ` · ${formatTime(entry.at)} · by ${entry.actor}`,
          entry.reason ? ` · ${entry.reason}` : null,
        ),
        entry.before
          ? el(
              'p',
              { className: 'retired' },
              el('span', { className: 'badge retired-badge' }, 'retired version'),
              ' ',
              el('del', {}, entry.before.text),
            )
          : null,
        entry.after
          ? el(
              'p',
              {},
              el('span', { className: 'badge' }, afterLabel(entry)),
              ' ',
              el('span', {}, entry.after.text),
            )
          : null,
      ),
    ),
  );
}

function afterLabel(entry) {
  if (entry.event === 'add') return 'added';
  if (entry.before && entry.after.id !== entry.before.id) return 'new version';
  return entry.after.retiredAt ? 'retired' : 'changed';
}

/**
 * A supersession is logged on both versions (the old one closed, the new one written); with the history of a
 * chain, keep one entry per supersession: the one that shows the new version.
 */
function collapseSupersessions(history) {
  const replacing = new Set(
    history
      .filter((entry) => entry.event === 'supersede' && entry.before && entry.after?.id !== entry.before.id)
      .map((entry) => `${entry.at}|${entry.before.id}`),
  );
  return history.filter(
    (entry) =>
      !(
        entry.event === 'supersede' &&
        entry.before &&
        entry.after?.id === entry.before.id &&
        replacing.has(`${entry.at}|${entry.before.id}`)
      ),
  );
}
