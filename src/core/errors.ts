// Typed errors with stable codes: the one error shape every surface (SDK, CLI, REST, MCP) reports.

/** Stable, documented error codes. Surfaces map them to exit codes and HTTP statuses. */
export const errorCodes = [
  'INVALID_INPUT',
  'SCOPE_REQUIRED',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'CONFIG_INVALID',
  'EMBEDDING_FAILED',
  'EMBEDDING_MISMATCH',
  'LLM_FAILED',
  'LLM_OUTPUT_INVALID',
  'STORE_BUSY',
  'STORE_CLOSED',
  'STORE_FAILED',
  'MIGRATION_FAILED',
  'UNSUPPORTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface MnemoErrorOptions {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/**
 * The base error of Mnemo. `code` is stable across versions; `message` says what to change.
 *
 * @example
 * try { await memory.get(id, { userId: 'alice' }); }
 * catch (error) { if (isMnemoError(error) && error.code === 'NOT_FOUND') { ... } }
 */
export class MnemoError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: MnemoErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MnemoError';
    this.code = options.code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isMnemoError(value: unknown): value is MnemoError {
  return value instanceof MnemoError;
}

export function invalidInput(
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): MnemoError {
  return new MnemoError({ code: 'INVALID_INPUT', message, details, cause });
}

export function notFound(what: string, id: string): MnemoError {
  return new MnemoError({
    code: 'NOT_FOUND',
    message: `${what} ${id} was not found in this scope`,
    details: { id },
  });
}

/** Wraps anything thrown into a MnemoError, keeping the original as `cause`. */
export function toMnemoError(error: unknown, code: ErrorCode = 'INTERNAL'): MnemoError {
  if (error instanceof MnemoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MnemoError({ code, message, cause: error });
}
