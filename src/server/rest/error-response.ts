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
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNSUPPORTED: 501,
  STORE_BUSY: 503,
};

/**
 * Maps any thrown value to a status, the error body and headers. Unknown errors and internal codes become a
 * 500 whose message says nothing about internals (the original stays with the caller for logging). An error
 * whose `details.retryAfterSeconds` is a positive number (STORE_BUSY, rate limits) gets `Retry-After`.
 *
 * @example
 * errorResponse(notFound('Memory', 'abc')); // { status: 404, body: { error: { code: 'NOT_FOUND', … } }, headers: {} }
 */
export function errorResponse(error: unknown): {
  status: ContentfulStatusCode;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (isMnemoError(error)) {
    const status = statusByCode[error.code];
    if (status !== undefined) {
      const body: ErrorBody = { error: { code: error.code, message: error.message } };
      if (error.details !== undefined) body.error.details = error.details;
      return { status, body, headers: retryAfterHeader(error) };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'The server failed to handle this request; see its log.' } },
    headers: {},
  };
}

/** `Retry-After` in whole seconds: from `details.retryAfterSeconds`, else 1 for STORE_BUSY. */
function retryAfterHeader(error: MnemoError): Record<string, string> {
  const seconds = error.details?.retryAfterSeconds;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)
    return { 'Retry-After': String(Math.ceil(seconds)) };
  return error.code === 'STORE_BUSY' ? { 'Retry-After': '1' } : {};
}

export function unauthorized(message: string): MnemoError {
  return new MnemoError({ code: 'UNAUTHORIZED', message });
}

export function forbidden(message: string): MnemoError {
  return new MnemoError({ code: 'FORBIDDEN', message });
}
