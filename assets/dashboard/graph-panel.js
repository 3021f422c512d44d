// DOM builders of the graph view: the entity list beside the canvas and the side panel of one entity (its
// names, relations over time with the memories behind them, merges). Every name and text is set as text.
import { el } from './render.js';

/** `2024-05-01` from an ISO time, in a <time> element carrying the full time. */
function date(iso) {
  return el('time', { dateTime: iso, title: iso }, iso.slice(0, 10));
}

/** `lives in` from `lives_in`. */
export function predicateLabel(predicate) {
  return predicate.replaceAll('_', ' ');
}

/** The name of a relation end: an entity's name or a literal value. */
export function endName(end) {
  return 'literal' in end ? end.literal : end.name;
}

/** `Emma lives in Paris`. */
export function describeRelation(relation) {
  return `${relation.subject.name} ${predicateLabel(relation.predicate)} ${endName(relation.object)}`;
}

/**
 * The entities drawn, as a list of buttons: the keyboard's and screen reader's way into the graph.
 *
 * @param {{ id: string, name: string, type: string }[]} entities
 * @param {{ selectedId?: string, select: (id: string) => void }} options
 */
export function renderEntityList(entities, options) {
  if (entities.length === 0) return el('p', { className: 'muted' }, 'No entities to show.');
  const sorted = [...entities].sort((a, b) => a.name.localeCompare(b.name));
  return el(
    'ul',
    { className: 'entity-list' },
    ...sorted.map((entity) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            className: 'entity-chip secondary',
            dataset: { entityId: entity.id, type: entity.type },
            'aria-pressed': String(entity.id === options.selectedId),
            onclick: () => options.select(entity.id),
          },
          el('span', { className: 'swatch' }),
          entity.name,
          el('span', { className: 'badge' }, entity.type),
        ),
      ),
    ),
  );
}

function endElement(end, entityId, select) {
  if ('literal' in end) return el('q', {}, end.literal);
  if (end.id === entityId) return el('strong', {}, end.name);
  return el('button', { type: 'button', className: 'link', onclick: () => select(end.id) }, end.name);
}

/** Where a relation stands in time: current since…, or closed from → to and what closed it. */
function validity(relation, byId) {
  if (relation.validTo === undefined) {
    return el(
      'p',
      { className: 'validity' },
      el('span', { className: 'badge current-badge' }, 'current'),
      ' since ',
      date(relation.validFrom),
    );
  }
  const closer = relation.invalidatedBy === undefined ? undefined : byId.get(relation.invalidatedBy);
  return el(
    'p',
    { className: 'validity' },
    el('span', { className: 'badge closed-badge' }, 'closed'),
    ' ',
    date(relation.validFrom),
    ' → ',
    date(relation.validTo),
    relation.invalidatedBy === undefined
      ? el('span', { className: 'closed-by' }, ' · it ended')
      : el(
          'span',
          { className: 'closed-by' },
          ' · closed by ',
          closer === undefined ? 'a later statement' : el('q', {}, describeRelation(closer)),
          closer === undefined ? null : el('span', { className: 'muted' }, ' said ', date(closer.observedAt)),
        ),
  );
}

/** The memories a relation was read from, filled in as they arrive. */
function sources(relation, loadMemory) {
  const list = el('ul', { className: 'relation-sources', 'aria-label': 'Memories behind it' });
  for (const id of relation.sourceMemoryIds) {
    const item = el('li', { className: 'muted' }, 'Loading memory…');
    list.append(item);
    loadMemory(id).then(
      (memory) => {
        item.className = 'source-memory';
        item.replaceChildren(
          el('q', { className: 'text' }, memory.text),
          ' ',
          el('span', { className: 'muted small' }, 'said ', date(memory.observedAt)),
        );
      },
      (error) => {
        item.className = 'muted';
        item.textContent = `Memory ${id} cannot be shown: ${error.message}`;
      },
    );
  }
  return list;
}

function relationTimeline(detail, options) {
  const { entity, relations } = detail;
  if (relations.length === 0) return el('p', { className: 'muted' }, 'No relations known.');
  const byId = new Map(relations.map((relation) => [relation.id, relation]));
  const ordered = [...relations].sort(
    (a, b) => a.validFrom.localeCompare(b.validFrom) || a.recordedAt.localeCompare(b.recordedAt),
  );
  return el(
    'ol',
    { className: 'relation-timeline' },
    ...ordered.map((relation) =>
      el(
        'li',
        {
          className: relation.validTo === undefined ? 'relation current' : 'relation closed',
          dataset: { relationId: relation.id },
        },
        el(
          'p',
          { className: 'relation-text' },
          endElement(relation.subject, entity.id, options.select),
          ` ${predicateLabel(relation.predicate)} `,
          endElement(relation.object, entity.id, options.select),
        ),
        validity(relation, byId),
        el(
          'p',
          { className: 'muted small' },
          `confidence ${relation.confidence.toFixed(2)} · Mnemo learned it `,
          date(relation.recordedAt),
          relation.closedAt === undefined ? null : el('span', {}, ', closed it ', date(relation.closedAt)),
        ),
        sources(relation, options.loadMemory),
      ),
    ),
  );
}

function mergeList(detail, unmerge) {
  if (detail.merges.length === 0) return el('p', { className: 'muted small' }, 'No merges.');
  return el(
    'ul',
    { className: 'merge-list' },
    ...detail.merges.map((merge) =>
      el(
        'li',
        { dataset: { mergeId: merge.id } },
        el('q', {}, merge.mergedName),
        ' merged in ',
        date(merge.at),
        ` by ${merge.actor}`,
        merge.undoneAt === undefined
          ? el('button', {
              type: 'button',
              className: 'secondary',
              textContent: 'Undo merge',
              'aria-label': `Undo merge of ${merge.mergedName}`,
              onclick: (event) => unmerge(merge, event.currentTarget),
            })
          : el('span', { className: 'badge' }, 'undone ', date(merge.undoneAt)),
      ),
    ),
  );
}

function mergeForm(entity, others, merge) {
  const select = el(
    'select',
    { id: 'graph-merge-target', name: 'keep', required: true },
    el('option', { value: '' }, 'Choose an entity'),
    ...[...others]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((other) => el('option', { value: other.id }, `${other.name} (${other.type})`)),
  );
  return el(
    'form',
    {
      className: 'merge-form',
      onsubmit: (event) => {
        event.preventDefault();
        if (select.value !== '') merge(select.value, event.submitter);
      },
    },
    el('label', { htmlFor: 'graph-merge-target' }, `Merge ${entity.name} into…`),
    el('div', { className: 'inline' }, select, el('button', { type: 'submit' }, 'Merge')),
    el(
      'p',
      { className: 'small muted' },
      `${entity.name}'s names and relations move to the chosen entity; the merge is listed there and can be undone.`,
    ),
  );
}

/**
 * The side panel of one entity.
 *
 * @example
 * panel.replaceChildren(renderEntityPanel(await api.graph.entity(id, { userId }), options));
 *
 * @param {{ entity: object, relations: object[], merges: object[] }} detail
 * @param {{ others: object[], loadMemory: (id: string) => Promise<object>, select: (id: string) => void,
 *   merge: (keepId: string, button?: HTMLElement) => void, unmerge: (merge: object, button?: HTMLElement) => void,
 *   close: () => void }} options
 */
export function renderEntityPanel(detail, options) {
  const { entity } = detail;
  return el(
    'div',
    { className: 'entity-detail', dataset: { entityId: entity.id } },
    el(
      'div',
      { className: 'panel-head' },
      el(
        'h3',
        { id: 'graph-panel-heading', tabIndex: -1 },
        entity.name,
        el('span', { className: 'badge' }, entity.type),
      ),
      el('button', { type: 'button', className: 'secondary', onclick: options.close }, 'Close'),
    ),
    entity.summary ? el('p', {}, entity.summary) : null,
    el(
      'dl',
      { className: 'entity-facts' },
      el('dt', {}, 'Also known as'),
      el('dd', { className: 'aliases' }, entity.aliases.length > 0 ? entity.aliases.join(', ') : '—'),
      el('dt', {}, 'First seen'),
      el('dd', {}, date(entity.firstSeen)),
      el('dt', {}, 'Last seen'),
      el('dd', {}, date(entity.lastSeen)),
      entity.mentions === undefined ? null : el('dt', {}, 'Mentions'),
      entity.mentions === undefined ? null : el('dd', {}, String(entity.mentions)),
    ),
    el('h4', {}, 'Relations over time'),
    relationTimeline(detail, options),
    el('h4', {}, 'Merges'),
    mergeList(detail, options.unmerge),
    options.others.length > 0 ? mergeForm(entity, options.others, options.merge) : null,
  );
}
