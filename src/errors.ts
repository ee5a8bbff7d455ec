/**
 * The one error catalogue and the one HTTP↔gRPC status table.
 *
 * Every error the hub, agent or relay reports to a client carries a stable `code` and the HTTP
 * status that code maps to; clients get the message, never a stack trace. OTLP/HTTP error bodies
 * are `google.rpc.Status`, whose `code` is the gRPC code of the HTTP status (`grpcCodeForHttpStatus`).
 * docs/error-codes.md mirrors both tables and test/errors.test.ts keeps them in sync.
 */
export const ERROR_CATALOGUE = {
  E2E_BAD_REQUEST: { status: 400, description: 'The request could not be decoded (OTLP body, JSON body, path or query).' },
  E2E_BAD_ENCODING: { status: 400, description: 'The compressed body is corrupt.' },
  E2E_UNAUTHENTICATED: { status: 401, description: 'No credentials, or credentials that are malformed.' },
  E2E_FORBIDDEN: { status: 403, description: 'Bad signature, unknown or revoked key, a key of another account, or a Host not in otlp.allowedHosts.' },
  E2E_NOT_FOUND: { status: 404, description: 'No such route or resource.' },
  E2E_METHOD_NOT_ALLOWED: { status: 405, description: 'The route exists but not for this method.' },
  E2E_REQUEST_TIMEOUT: { status: 408, description: 'The request (headers or body) did not arrive within its timeout.' },
  E2E_CONFLICT: { status: 409, description: 'The resource already exists.' },
  E2E_BODY_TOO_LARGE: { status: 413, description: 'Body over maxBodyBytes on the wire or maxDecompressedBytes decoded.' },
  E2E_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Content-Type is not application/x-protobuf or application/json, or Content-Encoding not gzip or deflate.' },
  E2E_THROTTLED: { status: 429, description: 'Usage plan rate or quota exceeded; Retry-After says when to retry.' },
  E2E_INTERNAL: { status: 500, description: 'Unexpected failure inside the hub; logged with details.' },
  E2E_BAD_GATEWAY: { status: 502, description: 'The relay could not reach a hub upstream or it failed mid-exchange.' },
  E2E_UNAVAILABLE: {
    status: 503,
    description: 'Queue full, store not ready, too many requests or connections, or shutting down; Retry-After says when to retry.',
  },
  E2E_GATEWAY_TIMEOUT: { status: 504, description: 'The relay got no answer from a hub upstream in time.' },
  E2E_CONFIG_INVALID: { status: 0, description: 'Configuration file has an unknown or ill-typed key (start-up error).' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An HTTP status some catalogue code answers with (0, the start-up-only code, excluded). */
export type CatalogueStatus = Exclude<(typeof ERROR_CATALOGUE)[ErrorCode]['status'], 0>;

/** The HTTP status of a catalogue code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

/** google.rpc.Code values (google/rpc/code.proto). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/**
 * HTTP status → gRPC code for error bodies. Where code.proto names an HTTP mapping it is used;
 * 413 is RESOURCE_EXHAUSTED as gRPC itself answers a message over the receive limit; 405 and 501
 * are UNIMPLEMENTED; 408 is DEADLINE_EXCEEDED; 502 is UNAVAILABLE (the upstream is unreachable).
 */
const GRPC_BY_HTTP: ReadonlyMap<number, GrpcCode> = new Map<number, GrpcCode>([
  [200, GrpcCode.OK],
  [400, GrpcCode.INVALID_ARGUMENT],
  [401, GrpcCode.UNAUTHENTICATED],
  [403, GrpcCode.PERMISSION_DENIED],
  [404, GrpcCode.NOT_FOUND],
  [405, GrpcCode.UNIMPLEMENTED],
  [408, GrpcCode.DEADLINE_EXCEEDED],
  [409, GrpcCode.ALREADY_EXISTS],
  [413, GrpcCode.RESOURCE_EXHAUSTED],
  [415, GrpcCode.INVALID_ARGUMENT],
  [429, GrpcCode.RESOURCE_EXHAUSTED],
  [499, GrpcCode.CANCELLED],
  [500, GrpcCode.INTERNAL],
  [501, GrpcCode.UNIMPLEMENTED],
  [502, GrpcCode.UNAVAILABLE],
  [503, GrpcCode.UNAVAILABLE],
  [504, GrpcCode.DEADLINE_EXCEEDED],
]);

/** The gRPC code an error body carries for an HTTP status; UNKNOWN for a status not in the table. */
export function grpcCodeForHttpStatus(status: number): GrpcCode {
  return GRPC_BY_HTTP.get(status) ?? GrpcCode.UNKNOWN;
}

/** gRPC code → HTTP status, as google/rpc/code.proto maps them (for a gRPC status read from a peer). */
const HTTP_BY_GRPC: readonly number[] = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

export function httpStatusForGrpcCode(code: number): number {
  return HTTP_BY_GRPC[code] ?? 500;
}

/** Every HTTP status the table maps explicitly, in order (docs and tests). */
export function mappedHttpStatuses(): number[] {
  return [...GRPC_BY_HTTP.keys()];
}

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
