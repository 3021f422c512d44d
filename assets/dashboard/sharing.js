// The dashboard's Sharing view: the tenant's spaces, who can do what (the grants on spaces and on users'
// memory), and the audit trail, newest first, filterable by space or scope, principal and action. It reads
// GET /v1/spaces, /v1/grants and /v1/audit; every value is set as text, never parsed as HTML.
import { el, formatTime } from './render.js';

const $ = (id) => document.getElementById(id);
const AUDIT_PAGE_SIZE = 50;
const roleRank = { read: 0, write: 1, admin: 2 };

/** `agent:writer` from `{ type: 'agent', id: 'writer' }`. */
export function describePrincipal(principal) {
  return `${principal.type}:${principal.id}`;
}

/** `space:research`, or `user:alice/agent:bot/session:s1`, from an audit row's scope. */
export function describeAuditScope(scope) {
  if (scope?.spaceId) return `space:${scope.spaceId}`;
  const parts = [];
  if (scope?.userId) parts.push(`user:${scope.userId}`);
  if (scope?.agentId) parts.push(`agent:${scope.agentId}`);
  if (scope?.sessionId) parts.push(`session:${scope.sessionId}`);
  return parts.length > 0 ? parts.join('/') : 'tenant';
}

/**
 * A table whose cells carry their column's name (`data-label`), so that on a narrow screen each row is
 * shown as a stacked card with labelled values (see `.stacked-table` in styles.css).
 *
 * @param {string} caption
 * @param {string[]} columns
 * @param {{ dataset?: object, cells: (Node | string | null)[] }[]} rows
 */
function stackedTable(caption, columns, rows) {
  return el(
    'table',
    { className: 'stacked-table' },
    el('caption', { className: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, ...columns.map((name) => el('th', { scope: 'col' }, name)))),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el(
          'tr',
          { dataset: row.dataset },
          ...row.cells.map((cell, index) => el('td', { dataset: { label: columns[index] } }, cell)),
        ),
      ),
    ),
  );
}

function roleBadge(role) {
  return el('span', { className: `badge role-${role}` }, role);
}

/** Grants sorted by target (spaces first), strongest role first, then principal. */
function sortGrants(grants) {
  return [...grants].sort(
    (a, b) =>
      a.target.type.localeCompare(b.target.type) ||
      a.target.id.localeCompare(b.target.id) ||
      roleRank[b.role] - roleRank[a.role] ||
      describePrincipal(a.principal).localeCompare(describePrincipal(b.principal)),
  );
}

/**
 * The spaces: name, id, description, who has access (from the grants), and a button to see their audit trail.
 *
 * @param {{ id: string, name: string, description?: string, createdAt: string }[]} spaces
 * @param {{ principal: object, target: object, role: string }[]} grants
 * @param {{ audit: (spaceId: string) => void }} actions
 */
export function renderSpaces(spaces, grants, actions) {
  if (spaces.length === 0) {
    return el(
      'p',
      { className: 'muted' },
      'No spaces yet (or none this key may see). Create one with `mnemo space create <name> --tenant <tenant>`.',
    );
  }
  const rows = spaces.map((space) => {
    const onSpace = sortGrants(grants).filter(
      (grant) => grant.target.type === 'space' && grant.target.id === space.id,
    );
    const access =
      onSpace.length === 0
        ? el('span', { className: 'muted' }, 'no grants')
        : el(
            'ul',
            { className: 'access-list' },
            ...onSpace.map((grant) =>
              el('li', {}, describePrincipal(grant.principal), ' ', roleBadge(grant.role)),
            ),
          );
    return {
      dataset: { spaceId: space.id },
      cells: [
        el('strong', { className: 'space-name' }, space.name),
        el('code', {}, space.id),
        space.description ? el('span', {}, space.description) : el('span', { className: 'muted' }, '—'),
        access,
        el('button', {
          type: 'button',
          className: 'secondary',
          textContent: 'Audit trail',
          'aria-label': `Show the audit trail of space ${space.id}`,
          onclick: () => actions.audit(space.id),
        }),
      ],
    };
  });
  return stackedTable('Spaces', ['Name', 'Id', 'Description', 'Who has access', 'Actions'], rows);
}

/**
 * Who can do what: every grant, on spaces and on users' memory, with its principal, target and role.
 *
 * @param {{ principal: object, target: object, role: string, createdAt: string }[]} grants
 */
export function renderGrants(grants) {
  if (grants.length === 0) {
    return el(
      'p',
      { className: 'muted' },
      'No grants yet: only the store’s owner and keys bound to nothing reach spaces and other users’ memory.',
    );
  }
  const rows = sortGrants(grants).map((grant) => ({
    dataset: {
      principal: describePrincipal(grant.principal),
      target: `${grant.target.type}:${grant.target.id}`,
    },
    cells: [
      el('code', {}, describePrincipal(grant.principal)),
      el(
        'span',
        {},
        el('span', { className: 'badge' }, grant.target.type === 'space' ? 'space' : 'user’s memory'),
        ' ',
        grant.target.id,
      ),
      roleBadge(grant.role),
      el('time', { dateTime: grant.createdAt }, formatTime(grant.createdAt)),
    ],
  }));
  return stackedTable('Grants', ['Principal', 'Target', 'Role', 'Since'], rows);
}

/**
 * The audit rows, newest first: time (and since when, for aggregated reads), principal, surface, action,
 * operation (with why it was refused), scope and count.
 *
 * @param {{ principal: string, surface: string, action: string, operation: string, scope: object, count: number, at: string, lastAt: string, detail?: string }[]} items
 */
export function renderAudit(items) {
  if (items.length === 0) return el('p', { className: 'muted' }, 'No audit rows match.');
  const rows = items.map((entry) => ({
    dataset: { action: entry.action },
    cells: [
      el(
        'span',
        {},
        el('time', { dateTime: entry.lastAt }, formatTime(entry.lastAt)),
        entry.count > 1 && entry.at !== entry.lastAt
          ? el('span', { className: 'muted small block' }, `since ${formatTime(entry.at)}`)
          : null,
      ),
      el('code', {}, entry.principal),
      entry.surface,
      el('span', { className: `badge action-${entry.action}` }, entry.action),
      el(
        'span',
        {},
        entry.operation,
        entry.detail ? el('span', { className: 'muted small block' }, entry.detail) : null,
      ),
      el('code', {}, describeAuditScope(entry.scope)),
      String(entry.count),
    ],
  }));
  return stackedTable(
    'Audit trail, newest first',
    ['Time', 'Principal', 'Surface', 'Action', 'Operation', 'Scope', 'Count'],
    rows,
  );
}

/** `agent:reader` typed in the principal filter → `{ principalType, principalId }`; throws on anything else. */
function parsePrincipalFilter(text) {
  if (text === '') return {};
  const match = /^(user|agent|key):(.+)$/.exec(text);
  if (match === null) throw new Error('Write the principal as type:id, e.g. agent:reader or user:alice.');
  return { principalType: match[1], principalId: match[2] };
}

/** An error shown inside a panel (e.g. a key whose role may not read the audit log), announced. */
function panelError(error) {
  const hint = error.status === 403 ? ' (this view needs a key that may read it)' : '';
  return el('p', { className: 'form-error', role: 'alert' }, `${error.message}${hint}`);
}

/**
 * Creates the Sharing view. `open()` loads the spaces, grants and the audit trail; each panel shows its
 * own error (a `write` key sees spaces and grants, the audit trail needs an `admin` key).
 *
 * @example
 * const sharing = createSharingView({ api, run: guarded, setStatus });
 * await sharing.open();
 *
 * @param {{ api: ReturnType<import('./api.js').createApi>, run: Function, setStatus: Function }} options
 */
export function createSharingView(options) {
  const { api, run, setStatus } = options;
  const state = { spaces: [], grants: [], audit: [], nextCursor: undefined, filter: {} };

  function fillSpaceChoice() {
    const select = $('audit-space');
    const chosen = select.value;
    select.replaceChildren(
      el('option', { value: '' }, 'Any scope'),
      ...state.spaces.map((space) => el('option', { value: space.id }, `${space.name} (${space.id})`)),
    );
    select.value = state.spaces.some((space) => space.id === chosen) ? chosen : '';
    syncScopeFields();
  }

  /** A space is a scope of its own: with one chosen, the user/agent/session fields do not apply. */
  function syncScopeFields() {
    const spaceChosen = $('audit-space').value !== '';
    for (const id of ['audit-user', 'audit-agent', 'audit-session']) $(id).disabled = spaceChosen;
  }

  function readFilter() {
    const form = $('audit-form');
    const value = (name) => form.elements[name].value.trim();
    const filter = { ...parsePrincipalFilter(value('principal')) };
    if (value('action') !== '') filter.action = value('action');
    if (value('spaceId') !== '') filter.spaceId = value('spaceId');
    else {
      for (const name of ['userId', 'agentId', 'sessionId'])
        if (value(name) !== '') filter[name] = value(name);
    }
    return filter;
  }

  function renderAuditPanel(error) {
    const container = $('audit-rows');
    if (error) container.replaceChildren(panelError(error));
    else container.replaceChildren(renderAudit(state.audit));
    $('audit-more').hidden = error !== undefined || state.nextCursor === undefined;
    $('audit-count').textContent = error
      ? ''
      : `${state.audit.length} row${state.audit.length === 1 ? '' : 's'} shown` +
        (state.nextCursor ? ', more available' : '');
  }

  async function loadAudit({ append }) {
    try {
      const page = await api.audit({
        ...state.filter,
        limit: AUDIT_PAGE_SIZE,
        cursor: append ? state.nextCursor : undefined,
      });
      state.audit = append ? [...state.audit, ...page.items] : page.items;
      state.nextCursor = page.nextCursor ?? undefined;
      renderAuditPanel();
    } catch (error) {
      state.audit = [];
      state.nextCursor = undefined;
      renderAuditPanel(error);
    }
  }

  function renderSpacesPanel(spacesResult, grantsResult) {
    $('spaces-list').replaceChildren(
      spacesResult.status === 'fulfilled'
        ? renderSpaces(state.spaces, state.grants, { audit: showSpaceAudit })
        : panelError(spacesResult.reason),
    );
    $('grants-list').replaceChildren(
      grantsResult.status === 'fulfilled' ? renderGrants(state.grants) : panelError(grantsResult.reason),
    );
  }

  async function open() {
    state.filter = readFilter();
    const [spacesResult, grantsResult] = await Promise.allSettled([api.spaces(), api.grants()]);
    state.spaces = spacesResult.status === 'fulfilled' ? spacesResult.value.spaces : [];
    state.grants = grantsResult.status === 'fulfilled' ? grantsResult.value.grants : [];
    renderSpacesPanel(spacesResult, grantsResult);
    fillSpaceChoice();
    await loadAudit({ append: false });
    const spaces = state.spaces.length;
    setStatus(
      `${spaces} space${spaces === 1 ? '' : 's'}, ${state.grants.length} grant${state.grants.length === 1 ? '' : 's'}.`,
    );
  }

  async function showSpaceAudit(spaceId) {
    $('audit-space').value = spaceId;
    syncScopeFields();
    await run(undefined, async () => {
      state.filter = readFilter();
      await loadAudit({ append: false });
      $('audit-heading').scrollIntoView({ block: 'start' });
      $('audit-space').focus();
      setStatus(`Audit trail of space ${spaceId}.`);
    });
  }

  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(event.submitter, async () => {
      state.filter = readFilter();
      await loadAudit({ append: false });
    });
  });
  $('audit-form').addEventListener('reset', () => {
    // After the browser has cleared the fields.
    setTimeout(() => {
      syncScopeFields();
      run(undefined, async () => {
        state.filter = readFilter();
        await loadAudit({ append: false });
      });
    });
  });
  $('audit-space').addEventListener('change', syncScopeFields);
  $('audit-more').addEventListener('click', (event) =>
    run(event.currentTarget, () => loadAudit({ append: true })),
  );
  $('sharing-refresh').addEventListener('click', (event) => run(event.currentTarget, open));

  return { open };
}
