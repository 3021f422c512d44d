// Serial queues: async tasks of one MCP session run one after another, in the order they were queued.

/** Runs tasks one at a time, each after every task queued before it has settled. */
export interface SerialQueue {
  /** Queues `task`; the returned promise settles as the task does. A failed task does not stop the next. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks queued and not yet settled (the running one included). */
  readonly size: number;
}

/**
 * Creates a queue whose tasks run in the order `run` was called, never overlapping.
 *
 * @example
 * const queue = createSerialQueue();
 * void queue.run(() => memory.add('I moved to Porto', scope));
 * const found = await queue.run(() => memory.search('where do I live', scope)); // sees the add
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let size = 0;
  const settled = () => {
    size -= 1;
  };
  return {
    get size() {
      return size;
    },
    run<T>(task: () => Promise<T>): Promise<T> {
      size += 1;
      const result = tail.then(task);
      // Registered before the caller can await `result`, so `size` is already down when the caller resumes.
      tail = result.then(settled, settled);
      return result;
    },
  };
}

/** One serial queue per key, e.g. per MCP session id; different keys run concurrently. */
export interface KeyedSerialQueue {
  /** Queues `task` behind the earlier tasks of `key`. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with tasks queued or running; an idle key holds nothing. */
  readonly activeKeys: number;
}

/**
 * Creates a set of serial queues keyed by a string. A key's queue exists only while it has tasks, so
 * sessions that never come back leave nothing behind.
 *
 * @example
 * const sessions = createKeyedSerialQueue();
 * const response = await sessions.run(sessionId, () => handle(request));
 */
export function createKeyedSerialQueue(): KeyedSerialQueue {
  const queues = new Map<string, SerialQueue>();
  return {
    get activeKeys() {
      return queues.size;
    },
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      let queue = queues.get(key);
      if (queue === undefined) {
        queue = createSerialQueue();
        queues.set(key, queue);
      }
      const owner = queue;
      return owner.run(task).finally(() => {
        if (owner.size === 0 && queues.get(key) === owner) queues.delete(key);
      });
    },
  };
}
