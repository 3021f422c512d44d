// The dashboard's graph view: a user's entities and relations drawn as a network with cytoscape (served by
// this server from /dashboard/vendor/, never a CDN), filtered by a search and an "as of" date; choosing an
// entity opens its side panel (graph-panel.js). Colours come from styles.css (`--type-*`).
import { predicateLabel, renderEntityList, renderEntityPanel } from './graph-panel.js';

const ENTITY_LIMIT = 200;
const RELATION_LIMIT = 1000;
/** Fitting a handful of nodes would blow them up; beyond this zoom the graph is centred instead. */
const MAX_FIT_ZOOM = 1.4;
const $ = (id) => document.getElementById(id);

/** The canvas shape of each entity type; the legend in index.html names the same shapes. */
const TYPE_SHAPES = {
  person: 'ellipse',
  place: 'diamond',
  organization: 'round-rectangle',
  thing: 'hexagon',
  event: 'star',
  animal: 'round-triangle',
  concept: 'octagon',
  literal: 'round-tag',
};

/** Fits the whole graph into the canvas, never zoomed in past MAX_FIT_ZOOM. */
function fitView(cy) {
  cy.fit(undefined, 30);
  if (cy.zoom() > MAX_FIT_ZOOM) {
    cy.zoom(MAX_FIT_ZOOM);
    cy.center();
  }
}

/** The library, loaded when the view first opens so the memories view never waits for it. */
let library;
function loadLibrary() {
  library ??= import('./vendor/cytoscape.js').then(
    (module) => module.default,
    (error) => {
      library = undefined;
      throw new Error(`The graph library did not load (${error.message}); reload the page.`);
    },
  );
  return library;
}

/** `2024-03-01` → the end of that day in UTC, so whatever began that day counts. */
function endOfDay(day) {
  return day === '' ? undefined : `${day}T23:59:59.999Z`;
}

/**
 * The elements to draw: entities (all, or those matching a search and what they relate to; with an as-of
 * time, those seen by then), relations between them, and literal values as their own small nodes.
 */
export function graphElements({ entities, relations, matchedIds, asOf }) {
  const reference = asOf === undefined ? Date.now() : Date.parse(asOf);
  const nodes = new Map();
  const addEntity = (entity, matched) => {
    if (!nodes.has(entity.id)) {
      nodes.set(entity.id, {
        data: { id: entity.id, label: entity.name, type: entity.type, kind: 'entity' },
        classes: matched ? 'match' : '',
      });
    }
  };
  const touches = (relation) =>
    matchedIds === undefined ||
    matchedIds.has(relation.subject.id) ||
    ('id' in relation.object && matchedIds.has(relation.object.id));
  for (const entity of entities) {
    const visible =
      matchedIds === undefined
        ? asOf === undefined || Date.parse(entity.firstSeen) <= reference
        : matchedIds.has(entity.id);
    if (visible) addEntity(entity, matchedIds !== undefined);
  }
  const edges = [];
  for (const relation of relations.filter(touches)) {
    addEntity(relation.subject, false);
    let target;
    if ('literal' in relation.object) {
      target = `literal:${relation.object.literal}`;
      if (!nodes.has(target)) {
        nodes.set(target, {
          data: { id: target, label: relation.object.literal, type: 'literal', kind: 'literal' },
          classes: 'literal',
        });
      }
    } else {
      addEntity(relation.object, false);
      target = relation.object.id;
    }
    const closed = relation.validTo !== undefined && Date.parse(relation.validTo) <= reference;
    const label = predicateLabel(relation.predicate);
    edges.push({
      data: {
        id: relation.id,
        source: relation.subject.id,
        target,
        label: closed ? `${label} (until ${relation.validTo.slice(0, 10)})` : label,
        closed,
      },
      classes: closed ? 'closed' : '',
    });
  }
  return { nodes: [...nodes.values()], edges };
}

function cssColour(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** The cytoscape stylesheet: shape and colour by type, predicate labels, closed relations dashed and grey. */
function graphStyle() {
  const text = cssColour('--text', '#1d232b');
  const panel = cssColour('--panel', '#ffffff');
  const muted = cssColour('--muted', '#5b6573');
  const focus = cssColour('--focus', '#ff9f1c');
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        color: text,
        'font-size': 12,
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'text-background-color': panel,
        'text-background-opacity': 0.8,
        'text-background-padding': 2,
        width: 30,
        height: 30,
        'border-width': 2,
        'border-color': panel,
      },
    },
    ...Object.entries(TYPE_SHAPES).map(([type, shape]) => ({
      selector: `node[type = "${type}"]`,
      style: { shape, 'background-color': cssColour(`--type-${type}`, muted) },
    })),
    { selector: 'node.literal', style: { width: 20, height: 20, 'font-style': 'italic' } },
    { selector: 'node.match', style: { 'border-color': text, 'border-width': 3 } },
    { selector: 'node:selected', style: { 'border-color': focus, 'border-width': 5 } },
    {
      selector: 'edge',
      style: {
        label: 'data(label)',
        width: 2,
        'curve-style': 'bezier',
        'line-color': text,
        'target-arrow-color': text,
        'target-arrow-shape': 'triangle',
        'font-size': 10,
        color: text,
        'text-rotation': 'autorotate',
        'text-background-color': panel,
        'text-background-opacity': 1,
        'text-background-padding': 2,
      },
    },
    {
      selector: 'edge.closed',
      style: {
        'line-style': 'dashed',
        'line-color': muted,
        'target-arrow-color': muted,
        color: muted,
        opacity: 0.65,
      },
    },
  ];
}

/**
 * Creates the graph view's controller; `open()` draws it (again) for the current user.
 *
 * @example
 * const graph = createGraphView({ api, getUserId: () => state.userId, run: guarded, setStatus });
 * await graph.open();
 *
 * @param {{ api: object, getUserId: () => string, run: (button: HTMLElement | undefined, action: () => Promise<void>) => Promise<void>,
 *   setStatus: (message: string, kind?: string) => void }} options
 */
export function createGraphView(options) {
  const { api, getUserId, run, setStatus } = options;
  const state = {
    /** The cytoscape instance, once created (a promise, so two loads at once create one). */
    graph: undefined,
    cy: undefined,
    /** Every entity of the user's first page, for the merge choice. */
    entities: [],
    selectedId: undefined,
    memories: new Map(),
    loadToken: 0,
    selectToken: 0,
  };

  const scope = () => ({ userId: getUserId() });

  function loadMemory(id) {
    let memory = state.memories.get(id);
    if (memory === undefined) {
      memory = api.get(id, getUserId());
      memory.catch(() => state.memories.delete(id));
      state.memories.set(id, memory);
    }
    return memory;
  }

  function ensureGraph() {
    state.graph ??= createGraph().catch((error) => {
      state.graph = undefined;
      throw error;
    });
    return state.graph;
  }

  async function createGraph() {
    const cytoscape = await loadLibrary();
    const container = $('graph-canvas');
    state.cy = cytoscape({
      container,
      style: graphStyle(),
      selectionType: 'single',
      boxSelectionEnabled: false,
      minZoom: 0.2,
      maxZoom: 3,
    });
    // The canvas narrows when the side panel opens (and changes with the window): fit the graph again.
    new ResizeObserver(() => {
      state.cy.resize();
      fitView(state.cy);
    }).observe(container);
    state.cy.on('tap', 'node', (event) => {
      const node = event.target;
      if (node.data('kind') === 'entity') run(undefined, () => select(node.id()));
    });
    // A hook for tests and automation: what is drawn, with each node's position on the page.
    window.__mnemoGraph = {
      snapshot() {
        const box = container.getBoundingClientRect();
        return {
          nodes: state.cy.nodes().map((node) => ({
            id: node.id(),
            label: node.data('label'),
            type: node.data('type'),
            selected: node.selected(),
            x: box.left + node.renderedPosition('x'),
            y: box.top + node.renderedPosition('y'),
          })),
          edges: state.cy.edges().map((edge) => ({
            id: edge.id(),
            source: edge.data('source'),
            target: edge.data('target'),
            label: edge.data('label'),
            closed: edge.data('closed'),
          })),
        };
      },
    };
    return state.cy;
  }

  function draw(cy, elements) {
    cy.elements().remove();
    cy.add([...elements.nodes, ...elements.edges]);
    cy.resize();
    // Edges long enough for their predicate labels.
    cy.layout({
      name: 'cose',
      animate: false,
      fit: false,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: () => 110,
      nodeRepulsion: () => 12_000,
    }).run();
    fitView(cy);
    if (state.selectedId !== undefined) cy.getElementById(state.selectedId).select();
  }

  function summarise(elements, { asOf, query, more }) {
    const entities = elements.nodes.filter((node) => node.data.kind === 'entity').length;
    const closed = elements.edges.filter((edge) => edge.data.closed).length;
    return (
      `${entities} entit${entities === 1 ? 'y' : 'ies'} and ${elements.edges.length} relation` +
      `${elements.edges.length === 1 ? '' : 's'}${closed > 0 ? ` (${closed} closed, dashed)` : ''}` +
      (asOf ? `, as of ${asOf.slice(0, 10)}` : '') +
      (query ? `, around entities matching “${query}”` : '') +
      (more
        ? `. Only the ${ENTITY_LIMIT} most recently mentioned entities are listed; search to find others.`
        : '.')
    );
  }

  async function load() {
    const token = ++state.loadToken;
    const query = $('graph-query').value.trim();
    const asOf = endOfDay($('graph-as-of').value);
    const [cy, page, relations, matches] = await Promise.all([
      ensureGraph(),
      api.graph.entities({ ...scope(), limit: ENTITY_LIMIT }),
      api.graph.relations({ ...scope(), asOf, limit: RELATION_LIMIT }),
      query === '' ? undefined : api.graph.entities({ ...scope(), query, limit: ENTITY_LIMIT }),
    ]);
    if (token !== state.loadToken) return;
    state.entities = page.items;
    const matchedIds = matches === undefined ? undefined : new Set(matches.items.map((entity) => entity.id));
    const elements = graphElements({
      entities: [...page.items, ...(matches?.items ?? [])],
      relations: relations.relations,
      matchedIds,
      asOf,
    });
    draw(cy, elements);
    renderList(elements);
    $('graph-summary').textContent = summarise(elements, {
      asOf,
      query,
      more: page.nextCursor !== undefined,
    });
  }

  function renderList(elements) {
    const drawn = elements.nodes
      .filter((node) => node.data.kind === 'entity')
      .map((node) => ({ id: node.data.id, name: node.data.label, type: node.data.type }));
    $('graph-entities').replaceChildren(
      renderEntityList(drawn, {
        selectedId: state.selectedId,
        select: (id) => run(undefined, () => select(id)),
      }),
    );
  }

  function markSelected() {
    state.cy?.elements().unselect();
    if (state.selectedId !== undefined) state.cy?.getElementById(state.selectedId).select();
    for (const button of document.querySelectorAll('#graph-entities [data-entity-id]')) {
      button.setAttribute('aria-pressed', String(button.dataset.entityId === state.selectedId));
    }
  }

  async function select(entityId, { focus = true } = {}) {
    const token = ++state.selectToken;
    state.selectedId = entityId;
    markSelected();
    const detail = await api.graph.entity(entityId, scope());
    if (token !== state.selectToken) return;
    const panel = $('graph-panel');
    panel.replaceChildren(
      renderEntityPanel(detail, {
        others: state.entities.filter((entity) => entity.id !== detail.entity.id),
        loadMemory,
        select: (id) => run(undefined, () => select(id)),
        merge: (keepId, button) => run(button, () => merge(detail.entity, keepId)),
        unmerge: (record, button) => run(button, () => unmerge(record)),
        close,
      }),
    );
    panel.hidden = false;
    if (focus) $('graph-panel-heading').focus();
  }

  function close() {
    state.selectToken += 1;
    state.selectedId = undefined;
    $('graph-panel').hidden = true;
    $('graph-panel').replaceChildren();
    markSelected();
  }

  async function merge(entity, keepId) {
    const kept = state.entities.find((candidate) => candidate.id === keepId);
    await api.graph.merge({ ...scope(), keep: keepId, merge: entity.id });
    state.selectedId = keepId;
    await load();
    await select(keepId);
    const name = kept?.name ?? 'the chosen entity';
    setStatus(`Merged ${entity.name} into ${name}. Undo it from ${name}'s merges.`, 'success');
  }

  async function unmerge(record) {
    await api.graph.unmerge(record.id, scope());
    await load();
    if (state.selectedId !== undefined) await select(state.selectedId);
    setStatus(`Undid the merge of ${record.mergedName}; it is its own entity again.`, 'success');
  }

  $('graph-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(event.submitter, load);
  });
  $('graph-as-of').addEventListener('change', () => run(undefined, load));
  $('graph-now').addEventListener('click', (event) => {
    $('graph-as-of').value = '';
    run(event.currentTarget, load);
  });

  return {
    /** Draws the graph of the current user (again), keeping the chosen entity when it still exists. */
    async open() {
      state.memories.clear();
      await load();
      const selected = state.entities.some((entity) => entity.id === state.selectedId);
      if (selected) await select(state.selectedId, { focus: false });
      else close();
    },
    /** Forgets what was drawn for another user: the selection, cached memories and the search. */
    reset() {
      close();
      state.memories.clear();
      state.entities = [];
      state.cy?.elements().remove();
      $('graph-query').value = '';
      $('graph-as-of').value = '';
      $('graph-summary').textContent = '';
      $('graph-entities').replaceChildren();
    },
  };
}
