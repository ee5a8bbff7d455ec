import type { DecompressOutcome } from './decompress.js';
import type { ReadBodyOutcome } from './read-body.js';
import type { ErrorReply } from './respond.js';

/**
 * The OTLP receiver's refusals: status, message and Retry-After of every answer that is not a 200,
 * built only when a request is refused. `owner` names who answers ("hub", "agent").
 */

const MAX_HOST_ECHO_CHARS = 100;

/** Shared by every request refused for want of a slot: built once. */
export const TOO_MANY_REQUESTS: Readonly<ErrorReply> = Object.freeze({ status: 503, message: 'too many concurrent requests', retryAfterSeconds: 1 });

export function noRoute(path: string): ErrorReply {
  return { status: 404, message: `no route ${path}; OTLP/HTTP paths are /v1/traces, /v1/metrics, /v1/logs` };
}

export function postOnly(path: string): ErrorReply {
  return { status: 405, message: `${path} accepts POST only`, extraHeaders: { allow: 'POST' } };
}

export function shuttingDown(owner: string): ErrorReply {
  return { status: 503, message: `the ${owner} is shutting down`, retryAfterSeconds: 5 };
}

export function unsupportedContentType(header: string | undefined): ErrorReply {
  return { status: 415, message: `unsupported Content-Type '${header ?? ''}'; use application/x-protobuf or application/json` };
}

export function declaredTooLarge(declaredBytes: number, maxBodyBytes: number): ErrorReply {
  return { status: 413, message: `body of ${declaredBytes} bytes is over the limit of ${maxBodyBytes} bytes` };
}

/** A body that did not arrive whole; undefined when the client went away (nobody to answer). */
export function readRefusal(read: Exclude<ReadBodyOutcome, { kind: 'ok' }>, maxBodyBytes: number): ErrorReply | undefined {
  if (read.kind === 'timeout') return { status: 408, message: 'request body not received in time' };
  if (read.kind === 'too-large') return { status: 413, message: `body is over the limit of ${maxBodyBytes} bytes` };
  return undefined;
}

export function decompressRefusal(outcome: Exclude<DecompressOutcome, { kind: 'ok' }>, maxDecompressedBytes: number, owner: string): ErrorReply {
  switch (outcome.kind) {
    case 'busy':
      return { status: 503, message: `the ${owner} is busy with other large requests; retry later`, retryAfterSeconds: 1 };
    case 'too-large':
      return { status: 413, message: `decompressed body is over the limit of ${maxDecompressedBytes} bytes` };
    case 'unsupported':
      return { status: 415, message: `unsupported Content-Encoding '${outcome.encoding}'; use gzip, deflate or none` };
    case 'corrupt':
      return { status: 400, message: outcome.message };
  }
}

/** The 403 for a Host header that is not one of the allowed names; the name is echoed, shortened. */
export function hostRefusal(host: string | undefined, owner: string, configKey: string): ErrorReply {
  const h = host ?? '';
  const shown = JSON.stringify(h.length > MAX_HOST_ECHO_CHARS ? `${h.slice(0, MAX_HOST_ECHO_CHARS)}…` : h);
  return { status: 403, message: `Host ${shown} is not a name of this ${owner} (${configKey}.allowedHosts); sign requests for the ${owner}'s public name` };
}
