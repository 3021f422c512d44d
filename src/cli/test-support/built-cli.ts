// Runs the built `mnemo` CLI (dist/cli/main.js) as a child process, for the CLI integration tests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// `npm test` builds first; MNEMO_TEST_CLI lets a developer point at another build.
export const builtCli = process.env.MNEMO_TEST_CLI ?? path.join(repositoryRoot, 'dist', 'cli', 'main.js');

/** What one CLI process printed, and its exit code. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mnemo [--db <db>] …args` and collects its output.
 *
 * @example
 * const { code, stderr } = await runBuiltCli(['get', 'nope', '--user', 'alice'], { db });
 */
export function runBuiltCli(args: string[], options: { db?: string; cwd?: string } = {}): Promise<RunResult> {
  const fullArgs = options.db === undefined ? args : ['--db', options.db, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...fullArgs], {
      cwd: options.cwd ?? repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command with `--json`, fails on a non-zero exit, and parses what it printed. */
export async function runBuiltCliJson<T>(args: string[], db: string): Promise<T> {
  const result = await runBuiltCli([...args, '--json'], { db });
  if (result.code !== 0)
    throw new Error(`mnemo ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** Maps `work` over `items` with at most `limit` running at once, keeping the order of results. */
export async function mapLimited<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
