import { pino, type Logger } from 'pino';

/** Paths pino blanks in every log line: credentials must never reach a log. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-amz-security-token"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.apiKey',
  '*.password',
  'secretAccessKey',
  'sessionToken',
  'apiKey',
  'adminToken',
];

/** `logFormat` in the hub, agent and relay configs. */
export type LogFormat = 'json' | 'pretty';

/**
 * The format to use when the config names none: pretty for a person at a terminal, JSON for
 * everything else (log shippers, `kubectl logs`, files). It looks at stderr because that is where
 * the log goes: `e2e-o11y hub | jq` still logs pretty to the terminal, `2>hub.log` logs JSON.
 */
export function resolveLogFormat(configured: LogFormat | undefined, stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return configured ?? (stream.isTTY === true ? 'pretty' : 'json');
}

export interface LoggerOptions {
  level: string;
  name: string;
  /** Default: {@link resolveLogFormat} (pretty on a terminal, else JSON). Ignored when `destination` is given. */
  format?: LogFormat | undefined;
  /** Tests pass a stream to read JSON lines from. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { name: options.name, level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (options.destination !== undefined) return pino(base, options.destination);
  if (resolveLogFormat(options.format) === 'pretty') {
    // pino-pretty runs in pino's transport worker thread: formatting stays off the event loop, and
    // redaction has already happened here, before a line leaves this thread.
    const transport = pino.transport({
      target: 'pino-pretty',
      options: { destination: 2, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    });
    return pino(base, transport);
  }
  // JSON: pino's own asynchronous writer, nothing between the log call and the fd.
  return pino(base, pino.destination({ dest: 2, sync: false }));
}
