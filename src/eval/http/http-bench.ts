// HTTP load benchmark: a real REST server on 127.0.0.1 over a seeded SQLite store, loaded with autocannon.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { createChatGenerator } from '../perf/chat-generator.js';
import { type BenchServer, startBenchServer } from './bench-server.js';

/** The subset of autocannon's options and result this benchmark uses (the package ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  /** Seconds before a request counts as a timeout (autocannon's default is 10). */
  timeout: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * A request slower than this counts as a timeout. Above autocannon's 10 s default: with 50 connections on a
 * loaded 2-core machine, queueing alone can reach 10 s, and a slow answer is reported as latency, not error.
 */
export const REQUEST_TIMEOUT_SECONDS = 30;

export interface HttpBenchOptions {
  /** Memories seeded into the searched scope before the runs. */
  memories: number;
  connections: number;
  /** Seconds per scenario. */
  durationSeconds: number;
  seed: number;
  /** Run the server in a worker thread so the load generator does not share its event loop (needs built JS). */
  isolate: boolean;
}

export const defaultHttpBenchOptions: HttpBenchOptions = {
  memories: 3000,
  connections: 50,
  durationSeconds: 10,
  seed: 42,
  isolate: true,
};

export interface HttpScenarioResult {
  scenario: 'healthz' | 'search' | 'add';
  requestsPerSecond: number;
  totalRequests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface HttpBenchResult {
  options: HttpBenchOptions;
  seedSeconds: number;
  scenarios: HttpScenarioResult[];
}

/**
 * Seeds a temp store, serves it with API keys on 127.0.0.1, and loads `POST /v1/search` then `POST /v1/memories`.
 *
 * @example
 * const result = await runHttpBench({ ...defaultHttpBenchOptions, durationSeconds: 2 });
 */
export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const server = options.isolate ? await startWorkerServer(options) : await startBenchServer(options);
  try {
    const chat = createChatGenerator({ seed: options.seed + 1 });
    const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' };
    const run = async (scenario: HttpScenarioResult['scenario'], request: AutocannonRequest) =>
      summarise(
        scenario,
        await autocannon({
          url: server.url,
          connections: options.connections,
          duration: options.durationSeconds,
          timeout: REQUEST_TIMEOUT_SECONDS,
          requests: [request],
        }),
      );
    // The HTTP layer alone (no key, no store): the ceiling the other two are measured against.
    const healthz = await run('healthz', { method: 'GET', path: '/healthz', headers: {} });
    const search = await run('search', {
      method: 'POST',
      path: '/v1/search',
      headers,
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ query: chat.query(), userId: 'seeded', limit: 10 }),
      }),
    });
    let writer = 0;
    const add = await run('add', {
      method: 'POST',
      path: '/v1/memories',
      headers,
      setupRequest: (request) => {
        writer = (writer + 1) % 100;
        return {
          ...request,
          body: JSON.stringify({ text: chat.turn().content, userId: `writer-${writer}` }),
        };
      },
    });
    return { options, seedSeconds: server.seedSeconds, scenarios: [healthz, search, add] };
  } finally {
    await server.close();
  }
}

/** Runs the bench server in a worker thread (compiled JS only: the worker loads `bench-server-worker.js`). */
async function startWorkerServer(options: HttpBenchOptions): Promise<BenchServer> {
  const worker = new Worker(new URL('./bench-server-worker.js', import.meta.url), {
    workerData: { memories: options.memories, seed: options.seed },
  });
  const ready = await new Promise<{ url: string; key: string; seedSeconds: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { type: string; url: string; key: string; seedSeconds: number }) =>
      resolve(message),
    );
  });
  return {
    ...ready,
    async close() {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

function summarise(scenario: HttpScenarioResult['scenario'], result: AutocannonResult): HttpScenarioResult {
  return {
    scenario,
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * The results as a markdown table.
 *
 * @example
 * console.log(formatHttpBenchReport(result));
 */
export function formatHttpBenchReport(result: HttpBenchResult): string {
  const { options } = result;
  const lines = [
    `Seeded ${options.memories} memories in one scope in ${result.seedSeconds.toFixed(1)} s; ` +
      `${options.connections} connections, ${options.durationSeconds} s per scenario.`,
    '',
    '| scenario | requests/s | requests | p50 (ms) | p99 (ms) | max (ms) | errors | timeouts | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of result.scenarios) {
    const route = { healthz: 'GET /healthz', search: 'POST /v1/search', add: 'POST /v1/memories' }[
      row.scenario
    ];
    lines.push(
      `| ${route} | ${Math.round(row.requestsPerSecond)} | ${row.totalRequests} | ${row.latencyP50Ms} | ` +
        `${row.latencyP99Ms} | ${row.latencyMaxMs} | ${row.errors} | ${row.timeouts} | ${row.non2xx} |`,
    );
  }
  return lines.join('\n');
}

/** True when every request succeeded (no errors, timeouts or non-2xx answers). */
export function httpBenchClean(result: HttpBenchResult): boolean {
  return result.scenarios.every((row) => row.errors === 0 && row.timeouts === 0 && row.non2xx === 0);
}
