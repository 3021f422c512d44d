// The two CONFLICTs of `MemoryStore.appendTurns`, made and recognised the same way by every backend and caller.
import { isMnemoError, MnemoError } from '../core/errors.js';

/**
 * The log moved since the add was prepared (a seq was taken, a neighbour was forgotten): nothing was
 * written; the caller recomputes and retries.
 *
 * @example
 * throw staleTurns('seq 4 of the session is taken');
 */
export function staleTurns(detail: string): MnemoError {
  return new MnemoError({
    code: 'CONFLICT',
    message: `The session changed while this add was prepared (${detail}); nothing was written, retry the add.`,
    details: { reason: 'stale-turns' },
  });
}

/** True for the CONFLICT of `staleTurns`. */
export function isStaleTurns(error: unknown): boolean {
  return isMnemoError(error) && error.code === 'CONFLICT' && error.details?.reason === 'stale-turns';
}

/**
 * An idempotency key reused with a different request.
 *
 * @example
 * throw idempotencyKeyReused('import-0042');
 */
export function idempotencyKeyReused(key: string): MnemoError {
  return new MnemoError({
    code: 'CONFLICT',
    message:
      `The idempotency key "${key}" was already used for a different request; send a new key with ` +
      'each new request, and the same key only to retry the same request.',
    details: { reason: 'idempotency-key-reused' },
  });
}
