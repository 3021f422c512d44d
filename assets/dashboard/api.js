// The dashboard's client of the Mnemo REST API: JSON in and out, bearer key, the `{ error }` shape as ApiError.

/** An error answered by the API (or the network), with the API's stable code when there is one. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ code: string, status: number }} info
   */
  constructor(message, info) {
    super(message);
    this.name = 'ApiError';
    this.code = info.code;
    this.status = info.status;
  }
}

/**
 * Creates the API client. `getKey()` returns the API key, or '' when the server runs without auth.
 *
 * @example
 * const api = createApi({ getKey: () => sessionStorage.getItem('mnemo.key') ?? '' });
 * const page = await api.list({ userId: 'alice', limit: 20 });
 *
 * @param {{ baseUrl?: string, getKey: () => string }} options
 */
export function createApi(options) {
  const baseUrl = options.baseUrl ?? '';

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ query?: Record<string, string | number | boolean | undefined>, body?: unknown }} [parts]
   */
  async function request(method, path, parts = {}) {
    const url = new URL(baseUrl + path, window.location.origin);
    for (const [name, value] of Object.entries(parts.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    // Labels the dashboard's requests in the audit log (surface `dashboard`).
    const headers = { accept: 'application/json', 'x-mnemo-surface': 'dashboard' };
    const key = options.getKey();
    if (key !== '') headers.authorization = `Bearer ${key}`;
    if (parts.body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: parts.body === undefined ? undefined : JSON.stringify(parts.body),
      });
    } catch (error) {
      throw new ApiError(`Cannot reach the Mnemo server: ${error.message}`, { code: 'NETWORK', status: 0 });
    }
    const text = await response.text();
    const data = text === '' ? {} : parseJson(text, response.status);
    if (!response.ok) {
      const code = data?.error?.code ?? 'HTTP_ERROR';
      const message = data?.error?.message ?? `The server answered ${response.status}.`;
      throw new ApiError(message, { code, status: response.status });
    }
    return data;
  }

  return {
    /** @param {{ userId: string, limit?: number, cursor?: string, includeHistory?: boolean }} query */
    list: (query) => request('GET', '/v1/memories', { query }),
    /** @param {{ userId: string, text: string }} body */
    add: (body) => request('POST', '/v1/memories', { body }),
    /** @param {{ userId: string, query: string, limit?: number }} body */
    search: (body) => request('POST', '/v1/search', { body: { ...body, explain: true } }),
    /**
     * A new version of a memory; without `observedAt` it keeps the time the original was said.
     * @param {string} id @param {string} userId @param {{ text: string, observedAt?: string }} changes
     */
    update: (id, userId, changes) =>
      request('PATCH', `/v1/memories/${encodeURIComponent(id)}`, { query: { userId }, body: changes }),
    /** @param {string} id @param {string} userId */
    forget: (id, userId) =>
      request('DELETE', `/v1/memories/${encodeURIComponent(id)}`, { query: { userId } }),
    /** One memory by id (the sources of graph relations). @param {string} id @param {string} userId */
    get: (id, userId) => request('GET', `/v1/memories/${encodeURIComponent(id)}`, { query: { userId } }),
    /** @param {string} id @param {string} userId */
    history: (id, userId) =>
      request('GET', `/v1/memories/${encodeURIComponent(id)}/history`, { query: { userId } }),
    core: {
      /** @param {{ userId: string }} scope */
      list: (scope) => request('GET', '/v1/core', { query: scope }),
      /**
       * Creates or replaces a block; a value past its limit answers 400 with the reason.
       * @param {string} label
       * @param {{ userId: string, agentId?: string, value: string, limit?: number, readOnly?: boolean, description?: string }} body
       */
      set: (label, body) => request('PUT', `/v1/core/${encodeURIComponent(label)}`, { body }),
      /** @param {string} label @param {{ userId: string, agentId?: string }} scope */
      delete: (label, scope) => request('DELETE', `/v1/core/${encodeURIComponent(label)}`, { query: scope }),
    },
    working: {
      /** @param {{ userId: string, sessionId: string }} scope */
      list: (scope) => request('GET', '/v1/working', { query: scope }),
      /**
       * @param {string} key
       * @param {{ userId: string, sessionId: string, value: unknown, ttlMs?: number }} body
       */
      set: (key, body) => request('PUT', `/v1/working/${encodeURIComponent(key)}`, { body }),
      /** @param {string} key @param {{ userId: string, sessionId: string }} scope */
      delete: (key, scope) => request('DELETE', `/v1/working/${encodeURIComponent(key)}`, { query: scope }),
    },
    profile: {
      /** @param {{ userId: string }} scope */
      get: (scope) => request('GET', '/v1/profile', { query: scope }),
      /** @param {string} path `topic.slot` @param {{ userId: string, value: string }} body */
      set: (path, body) => request('PUT', `/v1/profile/${encodeURIComponent(path)}`, { body }),
      /** @param {string} path @param {{ userId: string }} scope */
      unset: (path, scope) => request('DELETE', `/v1/profile/${encodeURIComponent(path)}`, { query: scope }),
    },
    graph: {
      /** @param {{ userId: string, query?: string, type?: string, limit?: number, cursor?: string }} query */
      entities: (query) => request('GET', '/v1/graph/entities', { query }),
      /**
       * One entity with all its relations over time and its merges.
       * @param {string} nameOrId @param {{ userId: string, asOf?: string, knownAt?: string }} query
       */
      entity: (nameOrId, query) =>
        request('GET', `/v1/graph/entities/${encodeURIComponent(nameOrId)}`, { query }),
      /** @param {{ userId: string, entity?: string, asOf?: string, current?: boolean, limit?: number }} query */
      relations: (query) => request('GET', '/v1/graph/relations', { query }),
      /** Merges `merge` into `keep` (ids or names). @param {{ userId: string, keep: string, merge: string }} body */
      merge: (body) => request('POST', '/v1/graph/merges', { body }),
      /** @param {string} mergeId @param {{ userId: string }} scope */
      unmerge: (mergeId, scope) =>
        request('DELETE', `/v1/graph/merges/${encodeURIComponent(mergeId)}`, { query: scope }),
    },
    /** The key's tenant's spaces (all of them for a key bound to nothing, else the granted ones). */
    spaces: () => request('GET', '/v1/spaces'),
    /**
     * Who can do what: the grants (principal, target, role), optionally of one principal or on one target.
     * @param {{ principalType?: string, principalId?: string, targetType?: string, targetId?: string }} [query]
     */
    grants: (query = {}) => request('GET', '/v1/grants', { query }),
    /**
     * The audit trail, newest first (needs an admin key).
     * @param {{ spaceId?: string, userId?: string, agentId?: string, sessionId?: string, action?: string, limit?: number, cursor?: string }} query
     */
    audit: (query) => request('GET', '/v1/audit', { query }),
  };
}

function parseJson(text, status) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(`The server answered ${status} with a body that is not JSON (${error.message}).`, {
      code: 'BAD_RESPONSE',
      status,
    });
  }
}
