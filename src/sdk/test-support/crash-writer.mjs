// A writer process for the crash test: adds numbered messages through the BUILT SDK (dist/) and prints one
// JSON line per acknowledged add; the test kills it with SIGKILL at a random moment. Each add carries an
// idempotency key, so a restarted writer goes over its earlier messages again without storing them twice.
import { createMemory } from '../../../dist/index.js';

const { CRASH_STORE, CRASH_SCHEMA, CRASH_WRITER, CRASH_COUNT } = process.env;
const store = CRASH_STORE.startsWith('postgres')
  ? { provider: 'postgres', connection: CRASH_STORE, schema: CRASH_SCHEMA, maxConnections: 2 }
  : CRASH_STORE;
const memory = await createMemory({ store });
for (let index = 0; index < Number(CRASH_COUNT); index++) {
  // Even messages go to the writer's own session, odd ones to a session all writers share.
  const sessionId = index % 2 === 0 ? `own-${CRASH_WRITER}` : 'shared';
  const content = `writer ${CRASH_WRITER} message ${index}`;
  const result = await memory.add([{ role: 'user', content }], {
    userId: 'crash',
    sessionId,
    idempotencyKey: `writer-${CRASH_WRITER}-${index}`,
  });
  process.stdout.write(`${JSON.stringify({ content, id: result.messages[0]?.id })}\n`);
}
await memory.close();
