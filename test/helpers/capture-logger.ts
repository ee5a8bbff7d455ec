import { pino, type Logger } from 'pino';

export interface CapturedLogger {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Everything logged so far, as written. */
  text(): string;
}

/** A pino logger writing JSON lines into memory, for tests that assert what an operator would see. */
export function captureLogger(level = 'info'): CapturedLogger {
  const chunks: string[] = [];
  const logger: Logger = pino({ level }, { write: (s: string) => void chunks.push(s) });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => chunks.join(''),
  };
}
