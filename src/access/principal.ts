/**
 * Who is calling the console API. The admin token reads and changes everything; a viewer token
 * reads the data of its accounts only (DESIGN "Per-account read access").
 */
export type Principal =
  | { role: 'admin' }
  | { role: 'viewer'; tokenId: string; name: string; accounts: readonly string[] };

/** The accounts a principal may read; undefined means all (admin). */
export function readableAccounts(principal: Principal): readonly string[] | undefined {
  return principal.role === 'admin' ? undefined : principal.accounts;
}

/** True when the principal may read data of `accountId`. */
export function canRead(principal: Principal, accountId: string): boolean {
  return principal.role === 'admin' || principal.accounts.includes(accountId);
}

/**
 * The account filter of a query: the requested account (which a viewer must be allowed to read),
 * or the principal's scope when none was requested. `forbidden` when a viewer asks for another
 * account's data.
 */
export function scopeAccounts(
  principal: Principal,
  requested: string | undefined,
): { ok: true; account: string | undefined; accounts: readonly string[] | undefined } | { ok: false; account: string } {
  if (requested !== undefined && !canRead(principal, requested)) return { ok: false, account: requested };
  return { ok: true, account: requested, accounts: requested === undefined ? readableAccounts(principal) : undefined };
}
