import type { Quota } from '../api/types.js';
import { formatCompact, formatPercent } from '../lib/format.js';
import { formatTime } from '../lib/time.js';

/** Quota use of the account's plan: a bar and "used / limit per period". */
export function QuotaBar({ quota, compact = false }: { quota: Quota | null; compact?: boolean }) {
  if (quota === null) return <span class="muted">no quota</span>;
  // `used` is null when the limiter cannot tell: shown as —, with an empty bar.
  const ratio = quota.limit > 0 ? (quota.used ?? 0) / quota.limit : 0;
  const tone = ratio >= 1 ? 'bad' : ratio >= 0.8 ? 'warn' : 'good';
  return (
    <span class={`quota${compact ? ' compact' : ''}`} data-quota-used={quota.used} title={`resets ${formatTime(quota.resetsAtUnixNano, false)}`}>
      <span class="quota-track" aria-hidden="true">
        <span class={`quota-fill quota-${tone}`} style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      </span>
      <span class="quota-text">
        {formatCompact(quota.used)} / {formatCompact(quota.limit)} per {quota.period} ({formatPercent(ratio)})
      </span>
    </span>
  );
}
