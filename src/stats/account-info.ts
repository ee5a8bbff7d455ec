/** What the stats API shows about an account besides its counts; the hub provides it from the registry and limiter. */
export interface AccountInfo {
  plan: string | null;
  status: 'active' | 'revoked' | null;
  quota: { limit: number; used: number | null; period: 'day' | 'week' | 'month'; resetsAtUnixNano: string } | null;
}

export interface AccountInfoProvider {
  /** Every account the registry knows (so an onboarded account that never sent still shows). */
  accountIds(): readonly string[];
  describe(accountId: string): Promise<AccountInfo>;
}

export const UNKNOWN_ACCOUNT: AccountInfo = { plan: null, status: null, quota: null };
