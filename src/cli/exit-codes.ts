// Exit codes of the `mnemo` command and the mapping from errors to them.
import { CommanderError } from 'commander';
import { type ErrorCode, isMnemoError } from '../core/errors.js';

/** 0: success. */
export const EXIT_OK = 0;
/** 1: the command was well formed but failed (not found, store error, …). */
export const EXIT_FAILURE = 1;
/** 2: the command line or its values were wrong; nothing was changed. */
export const EXIT_USAGE = 2;
/**
 * 3: refused (`FORBIDDEN`): the acting agent/user holds no grant that allows it, or the target is
 * read-only. Nothing was changed; a refused read or write is in the audit log (`mnemo audit --action denied`).
 */
export const EXIT_FORBIDDEN = 3;

const usageCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INVALID_INPUT', 'SCOPE_REQUIRED']);

/** What the CLI reports for a thrown error: a stable code, a one-line message and an exit code. */
export interface CliFailure {
  code: string;
  message: string;
  exitCode: number;
}

/**
 * Maps anything thrown by a command to its code, one-line message and exit code.
 *
 * @example
 * const failure = describeFailure(error); // { code: 'NOT_FOUND', message: '…', exitCode: 1 }
 */
export function describeFailure(error: unknown): CliFailure {
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error:\s*/i, '');
    return { code: 'INVALID_INPUT', message: oneLine(message), exitCode: EXIT_USAGE };
  }
  if (isMnemoError(error)) {
    return {
      code: error.code,
      message: oneLine(error.message),
      exitCode: exitCodeOf(error.code),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: oneLine(message), exitCode: EXIT_FAILURE };
}

function exitCodeOf(code: ErrorCode): number {
  if (usageCodes.has(code)) return EXIT_USAGE;
  return code === 'FORBIDDEN' ? EXIT_FORBIDDEN : EXIT_FAILURE;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
