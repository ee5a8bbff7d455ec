import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api/client.js';
import { currentSession, subscribe } from '../api/session.js';
import type { Account } from '../api/types.js';

let cache: { token: string; names: Promise<Map<string, string>> } | null = null;

/**
 * Account id → name, from `/api/accounts` (admin only; a viewer gets 403 and sees ids). Loaded
 * once per token: names change rarely and every view needs them.
 */
export function useAccountNames(): ReadonlyMap<string, string> {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    let live = true;
    const load = (): void => {
      const session = currentSession();
      if (session === null) return;
      if (cache?.token !== session.token) {
        cache = {
          token: session.token,
          names:
            session.who.role === 'admin'
              ? apiGet<{ accounts: Account[] }>('/api/accounts').then(
                  (r) => new Map(r.accounts.map((a) => [a.id, a.name])),
                  () => new Map<string, string>(),
                )
              : Promise.resolve(new Map<string, string>()),
        };
      }
      void cache.names.then((m) => {
        if (live) setNames(m);
      });
    };
    load();
    const off = subscribe(load);
    return () => {
      live = false;
      off();
    };
  }, []);
  return names;
}
