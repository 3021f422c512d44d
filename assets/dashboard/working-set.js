// The dashboard's working-set panels: core blocks (edited within their limit), a session's working memory and
// the profile. Every value is shown with textContent; every change goes through the REST API and its errors.
import { el, formatTime } from './render.js';

const DEFAULT_CORE_LIMIT = 5000;
const $ = (id) => document.getElementById(id);

function table(caption, columns, rows) {
  return el(
    'table',
    {},
    el('caption', { className: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, ...columns.map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, ...rows),
  );
}

function button(text, label, onclick, className) {
  return el('button', { type: 'button', textContent: text, 'aria-label': label, className, onclick });
}

/** `15 / 30 characters`, and by how much a value is over its limit. */
function describeLength(length, limit) {
  const over = length - limit;
  return over > 0
    ? `${length} / ${limit} characters — ${over} over the limit`
    : `${length} / ${limit} characters`;
}

/** What the person typed as a working-memory value: JSON when it parses, else the text as a string. */
function parseEntryValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The core block table: label (with read-only and agent badges), value, size against the limit, actions.
 *
 * @param {{ label: string, value: string, limit: number, readOnly: boolean, description?: string, scope: object }[]} blocks
 * @param {{ edit: Function, remove: Function }} actions
 */
export function renderCoreBlocks(blocks, actions) {
  if (blocks.length === 0) return el('p', { className: 'muted' }, 'No core blocks yet.');
  const rows = blocks.map((block) =>
    el(
      'tr',
      { dataset: { label: block.label } },
      el(
        'th',
        { scope: 'row' },
        block.label,
        block.readOnly ? el('span', { className: 'badge' }, 'read-only') : null,
        block.scope?.agentId ? el('span', { className: 'badge' }, `agent ${block.scope.agentId}`) : null,
        block.description ? el('div', { className: 'muted small' }, block.description) : null,
      ),
      el('td', { className: 'block-value' }, el('span', { className: 'text' }, block.value)),
      el('td', { className: 'small' }, describeLength(block.value.length, block.limit)),
      el(
        'td',
        { className: 'actions' },
        button('Edit', `Edit core block ${block.label}`, () => actions.edit(block)),
        button('Delete', `Delete core block ${block.label}`, () => actions.remove(block), 'danger'),
      ),
    ),
  );
  return table('Core blocks', ['Label', 'Value', 'Size', 'Actions'], rows);
}

/**
 * The entries of a session's working memory.
 *
 * @param {{ key: string, value: unknown, updatedAt: string, expiresAt?: string }[]} entries
 * @param {{ remove: Function }} actions
 */
export function renderWorkingEntries(entries, actions) {
  if (entries.length === 0) return el('p', { className: 'muted' }, 'This session has no working memory.');
  const rows = entries.map((entry) =>
    el(
      'tr',
      { dataset: { key: entry.key } },
      el('th', { scope: 'row' }, entry.key),
      // As JSON, so the string "42" and the number 42 look different.
      el('td', {}, el('code', { className: 'text' }, JSON.stringify(entry.value))),
      el('td', {}, formatTime(entry.updatedAt)),
      el(
        'td',
        {},
        entry.expiresAt ? formatTime(entry.expiresAt) : el('span', { className: 'muted' }, 'never'),
      ),
      el(
        'td',
        { className: 'actions' },
        button('Delete', `Delete working entry ${entry.key}`, () => actions.remove(entry), 'danger'),
      ),
    ),
  );
  return table('Working memory entries', ['Key', 'Value', 'Updated', 'Expires', 'Actions'], rows);
}

/**
 * The profile, one row per slot.
 *
 * @param {Record<string, Record<string, { value: string, memoryId: string, observedAt: string }>>} profile
 * @param {{ unset: Function }} actions
 */
export function renderProfile(profile, actions) {
  const slots = Object.entries(profile).flatMap(([topic, bySlot]) =>
    Object.entries(bySlot).map(([slot, entry]) => ({ path: `${topic}.${slot}`, topic, slot, ...entry })),
  );
  if (slots.length === 0) return el('p', { className: 'muted' }, 'No profile slots yet.');
  slots.sort((a, b) => a.path.localeCompare(b.path));
  const rows = slots.map((slot) =>
    el(
      'tr',
      { dataset: { path: slot.path } },
      el('th', { scope: 'row' }, slot.path),
      el('td', {}, el('span', { className: 'text' }, slot.value)),
      el('td', {}, el('time', { dateTime: slot.observedAt }, formatTime(slot.observedAt))),
      el(
        'td',
        { className: 'actions' },
        button('Unset', `Unset profile slot ${slot.path}`, () => actions.unset(slot), 'danger'),
      ),
    ),
  );
  return table('Profile slots', ['Slot', 'Value', 'Observed', 'Actions'], rows);
}

/**
 * Wires the core block, working memory and profile panels of the page.
 *
 * @example
 * const panels = createWorkingSetPanels({ api, getUserId: () => 'alice', run: guarded, setStatus, onMemoriesChanged });
 * await panels.load();
 *
 * @param {{ api: object, getUserId: () => string, run: (button: HTMLElement | undefined, action: () => Promise<void>) => Promise<void>, setStatus: (message: string, kind?: string) => void, onMemoriesChanged: () => Promise<void> }} deps
 */
export function createWorkingSetPanels(deps) {
  const { api, getUserId, run, setStatus, onMemoriesChanged } = deps;
  /** The block an open core dialog edits, or undefined for a new one. */
  let editing;
  let sessionId = '';

  async function loadCore() {
    const { blocks } = await api.core.list({ userId: getUserId() });
    $('core-blocks').replaceChildren(renderCoreBlocks(blocks, { edit: openCoreDialog, remove: removeBlock }));
  }

  async function loadProfile() {
    const { profile } = await api.profile.get({ userId: getUserId() });
    $('profile-slots').replaceChildren(renderProfile(profile, { unset: unsetSlot }));
  }

  async function loadWorking() {
    if (sessionId === '') return;
    const { entries } = await api.working.list({ userId: getUserId(), sessionId });
    $('working-entries').replaceChildren(renderWorkingEntries(entries, { remove: removeEntry }));
    $('working-body').hidden = false;
  }

  function updateCount() {
    const limit = Number($('core-limit').value) || DEFAULT_CORE_LIMIT;
    const length = $('core-value').value.length;
    const count = $('core-count');
    count.textContent = describeLength(length, limit);
    count.classList.toggle('over', length > limit);
  }

  function openCoreDialog(block) {
    editing = block;
    $('core-dialog-heading').textContent = block ? `Edit core block ${block.label}` : 'New core block';
    $('core-label').value = block?.label ?? '';
    $('core-label').readOnly = block !== undefined;
    $('core-value').value = block?.value ?? '';
    $('core-limit').value = String(block?.limit ?? DEFAULT_CORE_LIMIT);
    $('core-read-only').checked = block?.readOnly ?? false;
    $('core-description').value = block?.description ?? '';
    $('core-error').textContent = '';
    updateCount();
    $('core-dialog').showModal();
    (block ? $('core-value') : $('core-label')).focus();
  }

  async function saveBlock(event) {
    event.preventDefault();
    const label = $('core-label').value.trim();
    const body = {
      userId: getUserId(),
      value: $('core-value').value,
      limit: Number($('core-limit').value),
      readOnly: $('core-read-only').checked,
    };
    // A block of the user with an agent is edited where it lives, not copied to the user's own level.
    if (editing?.scope?.agentId) body.agentId = editing.scope.agentId;
    const description = $('core-description').value.trim();
    if (description !== '' || editing?.description) body.description = description;
    await run(event.submitter, async () => {
      try {
        await api.core.set(label, body);
      } catch (error) {
        $('core-error').textContent = error.message;
        throw error;
      }
      $('core-dialog').close();
      await Promise.all([loadCore(), onMemoriesChanged()]);
      setStatus(`Saved core block ${label}.`, 'success');
    });
  }

  async function removeBlock(block) {
    const scope = { userId: getUserId(), agentId: block.scope?.agentId };
    await run(undefined, async () => {
      await api.core.delete(block.label, scope);
      await Promise.all([loadCore(), onMemoriesChanged()]);
      setStatus(`Deleted core block ${block.label} (its history keeps every version).`, 'success');
    });
  }

  async function showSession(event) {
    event.preventDefault();
    const wanted = $('working-session').value.trim();
    if (wanted === '') return;
    await run(event.submitter, async () => {
      sessionId = wanted;
      await loadWorking();
      setStatus(`Showing the working memory of session ${sessionId}.`);
    });
  }

  async function setEntry(event) {
    event.preventDefault();
    const key = $('working-key').value.trim();
    const ttl = $('working-ttl').value;
    const body = { userId: getUserId(), sessionId, value: parseEntryValue($('working-value').value.trim()) };
    if (ttl !== '') body.ttlMs = Number(ttl) * 1000;
    await run(event.submitter, async () => {
      await api.working.set(key, body);
      $('working-form').reset();
      await loadWorking();
      setStatus(`Set ${key} in session ${sessionId}.`, 'success');
    });
  }

  async function removeEntry(entry) {
    await run(undefined, async () => {
      await api.working.delete(entry.key, { userId: getUserId(), sessionId });
      await loadWorking();
      setStatus(`Deleted ${entry.key} from session ${sessionId}.`, 'success');
    });
  }

  async function setSlot(event) {
    event.preventDefault();
    const path = $('profile-path').value.trim();
    const value = $('profile-value').value.trim();
    await run(event.submitter, async () => {
      const slot = await api.profile.set(path, { userId: getUserId(), value });
      $('profile-form').reset();
      await Promise.all([loadProfile(), onMemoriesChanged()]);
      setStatus(`Set ${slot.topic}.${slot.slot} to “${slot.value}”.`, 'success');
    });
  }

  async function unsetSlot(slot) {
    await run(undefined, async () => {
      await api.profile.unset(slot.path, { userId: getUserId() });
      await Promise.all([loadProfile(), onMemoriesChanged()]);
      setStatus(`Unset ${slot.path}.`, 'success');
    });
  }

  $('core-new').addEventListener('click', () => openCoreDialog(undefined));
  $('core-form').addEventListener('submit', saveBlock);
  $('core-value').addEventListener('input', updateCount);
  $('core-limit').addEventListener('input', updateCount);
  $('working-session-form').addEventListener('submit', showSession);
  $('working-form').addEventListener('submit', setEntry);
  $('profile-form').addEventListener('submit', setSlot);

  return {
    /** Loads the user's core blocks and profile; the working memory waits for a session id. */
    async load() {
      sessionId = '';
      $('working-body').hidden = true;
      $('working-entries').replaceChildren();
      await Promise.all([loadCore(), loadProfile()]);
    },
  };
}
