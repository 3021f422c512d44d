// The one REST error shape `{ error: { code, message, details? } }` and the MnemoError code → HTTP status map.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, isMnemoError, MnemoError } from '../../core/errors.js';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

const statusByCode: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  INVALID_INPUT: 400,
  SCOPE_REQUIRED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED: 501,
  STORE_BUSY: 503,
};

/**
 * Maps any thrown value to a status and the error body. Unknown errors and internal codes become a 500 whose
 * message says nothing about internals (the original stays with the caller for logging).
 *
 * @example
 * errorResponse(notFound('Memory', 'abc')); // { status: 404, body: { error: { code: 'NOT_FOUND', … } } }
 */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (isMnemoError(error)) {
    const status = statusByCode[error.code];
    if (status !== undefined) {
      const body: ErrorBody = { error: { code: error.code, message: error.message } };
      if (error.details !== undefined) body.error.details = error.details;
      return { status, body };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'The server failed to handle this request; see its log.' } },
  };
}

export function unauthorized(message: string): MnemoError {
  return new MnemoError({ code: 'UNAUTHORIZED', message });
}

export function forbidden(message: string): MnemoError {
  return new MnemoError({ code: 'FORBIDDEN', message });
}
