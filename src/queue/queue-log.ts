import type { Logger } from 'pino';
import type { DurableQueueOptions, QueueCorruption } from './types.js';

/** Failed recovery attempts logged one by one before only every tenth is (an outage retries every few seconds). */
const RECOVERY_ATTEMPTS_LOGGED = 5;

/**
 * The queue's callbacks as structured log lines, so the hub and the agent report damage, write
 * errors and health changes the same way: `createDurableQueue({ ...options, ...queueLogHooks(logger, 'hub') })`.
 */
export function queueLogHooks(
  logger: Logger,
  queue: string,
): Required<Pick<DurableQueueOptions, 'onCorruption' | 'onError' | 'onHealthChange'>> {
  const log = logger.child({ queue });
  return {
    onCorruption(event: QueueCorruption) {
      switch (event.kind) {
        case 'damaged':
          log.error(
            { damage: event },
            event.quarantineFile === undefined
              ? 'queue: damaged bytes skipped (not quarantined); the records around them are kept'
              : 'queue: damaged bytes skipped and copied to the quarantine; the records around them are kept',
          );
          return;
        case 'truncated':
          log.warn({ damage: event }, 'queue: torn tail of the last segment cut off (an interrupted write, never acknowledged)');
          return;
        case 'cursor':
          log.error({ damage: event }, 'queue: unreadable cursor file ignored; that reader re-reads from the oldest record');
          return;
        case 'clamped':
          log.warn({ damage: event }, 'queue: invalid read position moved to the nearest valid one');
          return;
      }
    },
    onError(err, context) {
      if (context.op === 'recover') {
        const attempt = context.attempt ?? 0;
        if (attempt <= RECOVERY_ATTEMPTS_LOGGED || attempt % 10 === 0) {
          log.warn({ err, attempt }, 'queue: still cannot write; retrying in the background');
        }
        return;
      }
      log.error({ err, op: context.op }, context.op === 'write' ? 'queue: write failed' : `queue: ${context.op} failed`);
    },
    onHealthChange(health) {
      if (health.state === 'degraded') {
        log.error({ health }, 'queue degraded: appends are refused (503) until the disk takes writes again');
      } else if (health.state === 'ok') {
        log.info({ health }, 'queue recovered: appends are written again');
      }
    },
  };
}
