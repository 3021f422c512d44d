// The server side of the HTTP benchmark: a temp SQLite store seeded with chat turns, served with an API key.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMemory } from '../../sdk/create-memory.js';
import { startServer } from '../../server/serve.js';
import { openApiKeyStore } from '../../store/keys/api-key-store.js';
import { createChatGenerator } from '../perf/chat-generator.js';

export interface BenchServer {
  url: string;
  /** A write key of tenant `bench`. */
  key: string;
  seedSeconds: number;
  /** Stops the server and deletes the store. */
  close(): Promise<void>;
}

/**
 * Seeds `memories` chat turns into tenant `bench`, user `seeded`, and serves them on 127.0.0.1 (free port).
 *
 * @example
 * const server = await startBenchServer({ memories: 3000, seed: 42 });
 */
export async function startBenchServer(options: { memories: number; seed: number }): Promise<BenchServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-http-bench-'));
  const dbPath = path.join(dir, 'bench.db');
  const memory = await createMemory({ store: dbPath, actor: 'bench' });
  const keys = await openApiKeyStore({ db: dbPath });
  const cleanup = async () => {
    await keys.close();
    await memory.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const chat = createChatGenerator({ seed: options.seed });
    const started = performance.now();
    for (let done = 0; done < options.memories; done += 1000) {
      const count = Math.min(1000, options.memories - done);
      await memory.add(chat.turns(count), { tenantId: 'bench', userId: 'seeded' });
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const { key } = await keys.create({ tenantId: 'bench', role: 'write', name: 'http bench' });
    const server = await startServer({ memory, keys, port: 0 });
    return {
      url: server.url,
      key,
      seedSeconds,
      async close() {
        await server.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
