import type { Logger } from 'pino';
import type { UsagePlanLimiter } from './usage-plan.js';

/** Placeholder until the shared limiter lands: refuses to start rather than silently not limiting. */
export function createRedisLimiter(options: { url: string; logger: Logger }): Promise<UsagePlanLimiter> {
  return Promise.reject(new Error(`limits.store ${options.url}: the Redis limiter is not available in this build`));
}
