import type { AccountRegistry } from '../accounts/index.js';
import type { UsagePlanConfig } from '../config/index.js';
import { quotaPeriodBounds } from '../limits/index.js';
import type { AccountInfoProvider } from '../stats/index.js';

/**
 * Plan, status and quota of an account for GET /api/stats, from the account registry and the usage
 * plan in force (`planOf`: the limiter's own lookup). `quota.used` comes from `quotaUsed` when the
 * limiter can tell (null otherwise).
 */
export function accountInfoProvider(
  registry: AccountRegistry | undefined,
  planOf: (accountId: string) => UsagePlanConfig,
  quotaUsed?: (accountId: string) => Promise<number | undefined>,
): AccountInfoProvider {
  return {
    accountIds: () => registry?.list().map((a) => a.id) ?? [],
    async describe(accountId) {
      const account = registry?.get(accountId);
      if (account === undefined) return { plan: null, status: null, quota: null };
      const plan = planOf(accountId);
      if (plan.quota.limit <= 0) return { plan: account.plan, status: account.status, quota: null };
      const { endMs } = quotaPeriodBounds(plan.quota.period, Date.now());
      const used = (await quotaUsed?.(accountId)) ?? null;
      return {
        plan: account.plan,
        status: account.status,
        quota: { limit: plan.quota.limit, used, period: plan.quota.period, resetsAtUnixNano: (BigInt(endMs) * 1_000_000n).toString() },
      };
    },
  };
}
