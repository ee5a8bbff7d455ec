import { HIDDEN_ACCOUNT } from '../api/types.js';
import { accountShort } from '../lib/accounts.js';

/** The accounts a process crossed, in order: shop → payments → invoicing. */
export function AccountPath({ accounts, names }: { accounts: readonly string[]; names: ReadonlyMap<string, string> }) {
  if (accounts.length === 0) return <span class="muted">—</span>;
  return (
    <span class="account-path" data-account-path={accounts.join(',')}>
      {accounts.map((a, i) => (
        <span key={`${a}-${i}`}>
          {i > 0 ? (
            <span class="arrow" aria-label="then">
              {' → '}
            </span>
          ) : null}
          {a === HIDDEN_ACCOUNT ? <span class="muted">hidden</span> : <a href={`/accounts/${encodeURIComponent(a)}`}>{accountShort(a, names)}</a>}
        </span>
      ))}
    </span>
  );
}
