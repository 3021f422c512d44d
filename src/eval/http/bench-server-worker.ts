// Worker-thread entry of the HTTP benchmark: runs the server on its own event loop, apart from the load generator.
import { parentPort, workerData } from 'node:worker_threads';
import { startBenchServer } from './bench-server.js';

const port = parentPort;
if (port === null) throw new Error('bench-server-worker must run in a worker thread');
const server = await startBenchServer(workerData as { memories: number; seed: number });
port.on('message', async (message: unknown) => {
  if (message !== 'stop') return;
  await server.close();
  port.postMessage({ type: 'stopped' });
  port.close();
});
port.postMessage({ type: 'ready', url: server.url, key: server.key, seedSeconds: server.seedSeconds });
