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

export function createLogger(options: { level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { name: options.name, level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
