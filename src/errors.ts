/**
 * The one error catalogue. Every error the hub, agent or relay reports to a client carries a stable
 * `code` and an HTTP status; clients get the message, never a stack trace. README "Error codes"
 * mirrors this table and test/errors.test.ts keeps the two in sync.
 */
export const ERROR_CATALOGUE = {
  E2E_BAD_REQUEST: { status: 400, description: 'The request body could not be decoded as OTLP.' },
  E2E_BAD_ENCODING: { status: 400, description: 'Content-Encoding is unsupported or the compressed body is corrupt.' },
  E2E_UNAUTHENTICATED: { status: 401, description: 'No credentials, or credentials that are malformed.' },
  E2E_FORBIDDEN: { status: 403, description: 'Bad signature, unknown or revoked key, or a key of another account.' },
  E2E_NOT_FOUND: { status: 404, description: 'No such route or resource.' },
  E2E_METHOD_NOT_ALLOWED: { status: 405, description: 'The route exists but not for this method.' },
  E2E_CONFLICT: { status: 409, description: 'The resource already exists.' },
  E2E_BODY_TOO_LARGE: { status: 413, description: 'Body over maxBodyBytes on the wire or maxDecompressedBytes decoded.' },
  E2E_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Content-Type is not application/x-protobuf or application/json.' },
  E2E_THROTTLED: { status: 429, description: 'Usage plan rate or quota exceeded; Retry-After says when to retry.' },
  E2E_INTERNAL: { status: 500, description: 'Unexpected failure inside the hub; logged with details.' },
  E2E_UNAVAILABLE: { status: 503, description: 'Queue full, store not ready or shutting down; Retry-After says when to retry.' },
  E2E_CONFIG_INVALID: { status: 0, description: 'Configuration file has an unknown or ill-typed key (start-up error).' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Base error with a stable code and the HTTP status that code maps to. */
export class E2eError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (429/503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'E2eError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export class ConfigError extends E2eError {
  constructor(message: string) {
    super('E2E_CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

export function isE2eError(err: unknown): err is E2eError {
  return err instanceof E2eError;
}
