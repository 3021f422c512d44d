// The dashboard's controller: connect with a key and user id, list/search/add/edit/forget memories, history;
// the core block, working memory and profile panels live in working-set.js, the graph view in graph.js, the
// spaces, grants and audit trail in sharing.js.
import { createApi } from './api.js';
import { createGraphView } from './graph.js';
import { formatTime, renderByKind, renderHistory, renderResults, renderTimeline } from './render.js';
import { createSharingView } from './sharing.js';
import { createWorkingSetPanels } from './working-set.js';

const KEY_STORAGE = 'mnemo.apiKey';
const USER_STORAGE = 'mnemo.userId';
const PAGE_SIZE = 20;

const $ = (id) => document.getElementById(id);

const state = {
  userId: '',
  memories: [],
  nextCursor: undefined,
  lastQuery: '',
  /** The memory an open edit or forget dialog acts on. */
  target: undefined,
};

const api = createApi({ getKey: () => sessionStorage.getItem(KEY_STORAGE) ?? '' });

function setStatus(message, kind = 'info') {
  const status = $('status');
  status.textContent = message;
  status.dataset.kind = kind;
}

function reportError(error) {
  const hint = error.status === 401 ? ' Enter a valid API key above.' : '';
  setStatus(`${error.message}${hint}`, 'error');
}

/** Runs an action, reporting its failure in the status line; the button is disabled meanwhile. */
async function guarded(button, action) {
  if (button) button.disabled = true;
  try {
    await action();
  } catch (error) {
    reportError(error);
  } finally {
    if (button) button.disabled = false;
  }
}

const workingSet = createWorkingSetPanels({
  api,
  getUserId: () => state.userId,
  run: guarded,
  setStatus,
  onMemoriesChanged: () => loadMemories({ append: false }),
});

const graph = createGraphView({ api, getUserId: () => state.userId, run: guarded, setStatus });
const sharing = createSharingView({ api, run: guarded, setStatus });

const views = ['memories', 'graph', 'sharing'];

/** Shows one view; the graph is drawn, and the sharing view loaded, afresh each time it opens. */
async function showView(view) {
  for (const name of views) {
    $(`${name}-view`).hidden = view !== name;
    $(`show-${name}`).setAttribute('aria-pressed', String(view === name));
  }
  if (view === 'graph') await guarded($('show-graph'), () => graph.open());
  if (view === 'sharing') await guarded($('show-sharing'), () => sharing.open());
}

const actions = {
  edit(memory) {
    state.target = memory;
    $('edit-text').value = memory.text;
    $('edit-said-at').textContent = `said ${formatTime(memory.observedAt)}`;
    $('edit-form').elements.timing.value = 'keep';
    $('edit-observed-at').value = memory.observedAt.slice(0, 16);
    $('edit-observed-at').disabled = true;
    $('edit-dialog').showModal();
    $('edit-text').focus();
  },
  async history(memory) {
    await guarded(undefined, async () => {
      const entries = await historyChain(memory);
      $('history-body').replaceChildren(renderHistory(entries));
      $('history-dialog').showModal();
    });
  },
  forget(memory) {
    state.target = memory;
    $('forget-text').textContent = memory.text;
    $('forget-dialog').showModal();
  },
};

/** The history of a memory and of the versions it superseded, oldest first. */
async function historyChain(memory) {
  const entries = [];
  const seen = new Set();
  let id = memory.id;
  while (id && !seen.has(id) && seen.size < 20) {
    seen.add(id);
    const { history } = await api.history(id, state.userId);
    entries.push(...history);
    const added = history.find((entry) => entry.after?.supersedes);
    id = added?.after?.supersedes ?? (id === memory.id ? memory.supersedes : undefined);
  }
  const unique = new Map(entries.map((entry) => [entry.id, entry]));
  return [...unique.values()].sort((a, b) => a.at.localeCompare(b.at));
}

function renderMemories() {
  const view = new FormData($('view-form')).get('view');
  const container = $('memories');
  if (state.memories.length === 0) {
    container.replaceChildren(document.createTextNode('Nothing is remembered for this user yet.'));
  } else {
    container.replaceChildren(
      view === 'timeline' ? renderTimeline(state.memories, actions) : renderByKind(state.memories, actions),
    );
  }
  $('memory-count').textContent =
    `${state.memories.length} memor${state.memories.length === 1 ? 'y' : 'ies'} shown` +
    (state.nextCursor ? ', more available' : '');
  $('load-more').hidden = state.nextCursor === undefined;
}

async function loadMemories({ append }) {
  const page = await api.list({
    userId: state.userId,
    limit: PAGE_SIZE,
    cursor: append ? state.nextCursor : undefined,
    includeHistory: $('include-history').checked ? 'true' : undefined,
  });
  state.memories = append ? [...state.memories, ...page.items] : page.items;
  state.nextCursor = page.nextCursor ?? undefined;
  renderMemories();
}

async function runSearch() {
  if (state.lastQuery === '') return;
  const { results } = await api.search({ userId: state.userId, query: state.lastQuery, limit: 10 });
  $('search-results').replaceChildren(renderResults(results));
  return results;
}

async function connect(event) {
  event.preventDefault();
  const key = $('api-key').value.trim();
  const userId = $('user-id').value.trim();
  if (userId === '') {
    setStatus('Enter a user id.', 'error');
    return;
  }
  if (key === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
  sessionStorage.setItem(USER_STORAGE, userId);
  const newUser = userId !== state.userId;
  state.userId = userId;
  state.lastQuery = '';
  $('search-results').replaceChildren();
  if (newUser) graph.reset();
  await guarded(event.submitter, async () => {
    await loadMemories({ append: false });
    $('current-user').textContent = userId;
    $('graph-user').textContent = userId;
    await workingSet.load();
    $('main').hidden = false;
    $('disconnect').hidden = key === '';
    setStatus(`Showing memories of ${userId}.`);
  });
  if (!$('main').hidden && !$('graph-view').hidden) await guarded(undefined, () => graph.open());
  if (!$('main').hidden && !$('sharing-view').hidden) await guarded(undefined, () => sharing.open());
}

async function addMemory(event) {
  event.preventDefault();
  const text = $('add-text').value.trim();
  if (text === '') return;
  await guarded(event.submitter, async () => {
    const result = await api.add({ userId: state.userId, text });
    $('add-text').value = '';
    await loadMemories({ append: false });
    const count = result.memories?.length ?? 0;
    setStatus(`Added ${count} memor${count === 1 ? 'y' : 'ies'}.`, 'success');
  });
}

async function search(event) {
  event.preventDefault();
  state.lastQuery = $('search-query').value.trim();
  await guarded(event.submitter, async () => {
    const results = await runSearch();
    setStatus(`${results?.length ?? 0} result(s) for “${state.lastQuery}”.`);
  });
}

/** The said-at time chosen in the edit dialog (a datetime-local read as UTC), or undefined to keep the old one. */
function chosenObservedAt() {
  if ($('edit-form').elements.timing.value !== 'new') return undefined;
  const value = $('edit-observed-at').value;
  const ms = Date.parse(`${value}Z`);
  if (value === '' || Number.isNaN(ms))
    throw new Error('Enter when the new version was said, or keep its time.');
  return new Date(ms).toISOString();
}

async function saveEdit(event) {
  event.preventDefault();
  const memory = state.target;
  const text = $('edit-text').value.trim();
  if (memory === undefined || text === '') return;
  await guarded(event.submitter, async () => {
    const observedAt = chosenObservedAt();
    const changes = observedAt === undefined ? { text } : { text, observedAt };
    const { previous, current } = await api.update(memory.id, state.userId, changes);
    $('edit-dialog').close();
    await loadMemories({ append: false });
    await runSearch();
    setStatus(
      `Updated. The old version (“${previous.text}”) was retired; the new one is ${current.id}.`,
      'success',
    );
  });
}

async function confirmForget(event) {
  event.preventDefault();
  const memory = state.target;
  if (memory === undefined) return;
  await guarded(event.submitter, async () => {
    const { forgottenIds } = await api.forget(memory.id, state.userId);
    $('forget-dialog').close();
    await loadMemories({ append: false });
    await runSearch();
    setStatus(`Forgot ${forgottenIds.length} version(s) of the memory.`, 'success');
  });
}

function disconnect() {
  sessionStorage.removeItem(KEY_STORAGE);
  $('api-key').value = '';
  $('main').hidden = true;
  $('disconnect').hidden = true;
  setStatus('The API key was removed from this tab.');
  $('api-key').focus();
}

function init() {
  $('api-key').value = sessionStorage.getItem(KEY_STORAGE) ?? '';
  $('user-id').value = sessionStorage.getItem(USER_STORAGE) ?? '';
  $('connect-form').addEventListener('submit', connect);
  $('add-form').addEventListener('submit', addMemory);
  $('search-form').addEventListener('submit', search);
  $('edit-form').addEventListener('submit', saveEdit);
  $('forget-form').addEventListener('submit', confirmForget);
  $('disconnect').addEventListener('click', disconnect);
  $('show-memories').addEventListener('click', () => showView('memories'));
  $('show-graph').addEventListener('click', () => showView('graph'));
  $('show-sharing').addEventListener('click', () => showView('sharing'));
  $('edit-form').addEventListener('change', (event) => {
    if (event.target.name === 'timing') $('edit-observed-at').disabled = event.target.value !== 'new';
  });
  $('view-form').addEventListener('change', (event) => {
    if (event.target.name === 'includeHistory') guarded(undefined, () => loadMemories({ append: false }));
    else renderMemories();
  });
  $('refresh').addEventListener('click', (event) =>
    guarded(event.currentTarget, () => loadMemories({ append: false })),
  );
  $('load-more').addEventListener('click', (event) =>
    guarded(event.currentTarget, () => loadMemories({ append: true })),
  );
  for (const button of document.querySelectorAll('dialog [data-close]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
  // Enter in the multi-line fields submits; Shift+Enter starts a new line.
  for (const id of ['add-text', 'edit-text', 'core-value', 'working-value']) {
    $(id).addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        event.currentTarget.form.requestSubmit();
      }
    });
  }
}

init();
