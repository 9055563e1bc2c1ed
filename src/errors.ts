/**
 * One error class for everything ocipkg reports to a user. The code is a closed set so
 * callers (and the CLI's exit status) can tell failures apart; the message is one line a
 * user can act on; the cause is kept for OCIPKG_DEBUG=1.
 */
export const ERROR_CODES = {
  E_INTERNAL: 1,
  E_USAGE: 2,
  E_REFERENCE: 3,
  E_NOT_FOUND: 4,
  E_AUTH: 5,
  E_NETWORK: 6,
  E_DIGEST_MISMATCH: 7,
  E_INVALID: 8,
  E_CONFIG: 9,
  E_PLATFORM: 10,
  E_NO_VERSION: 11,
  E_UNSAFE_PATH: 12,
  E_IO: 13,
  E_FROZEN: 14,
  E_OFFLINE: 15,
  E_UNSUPPORTED: 16,
  E_REGISTRY: 17,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OcipkgError extends Error {
  readonly code: ErrorCode;
  /**
   * Failed for a reason that may pass (a broken connection, 5xx, 429) and was not retried where
   * it happened, because the request's body was a stream that cannot be sent twice: a caller
   * that can produce the body again (copy(), from its source) may try again.
   */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    // One line, always: a message that embeds another error's text must not break the CLI's output.
    super(message.replace(/\s*\n\s*/g, ' '), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OcipkgError';
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }

  /** This error, marked retryable (see `retryable`). */
  asRetryable(): OcipkgError {
    return new OcipkgError(this.code, this.message, { cause: this.cause, retryable: true });
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }
}

/** A list for an error message, cut short: `a, b, c, … (1234 more)`. A message stays one readable line. */
export function someOf(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length - max} more)`;
}

/** May the caller make the failed request again (see OcipkgError.retryable)? */
export function isRetryable(err: unknown): boolean {
  return err instanceof OcipkgError && err.retryable;
}

export function isOcipkgError(err: unknown, code?: ErrorCode): err is OcipkgError {
  return err instanceof OcipkgError && (code === undefined || err.code === code);
}

/** Wrap filesystem errors into OcipkgError with the path named; pass OcipkgErrors through. */
export function ioError(err: unknown, what: string): OcipkgError {
  if (err instanceof OcipkgError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return new OcipkgError('E_NOT_FOUND', `${what}: no such file or directory`, { cause: err });
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return new OcipkgError('E_IO', `${what}: permission denied`, { cause: err });
  return new OcipkgError('E_IO', `${what}: ${e?.message ?? String(err)}`, { cause: err });
}
