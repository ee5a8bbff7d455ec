import { scopeAccounts, type Principal } from '../../access/index.js';
import type { EmbeddedStore } from '../../store/types.js';
import { badRequest, forbidden, type ApiReply } from '../api-reply.js';
import type { ApiHandler, ApiRequest } from '../api-router.js';
import type { QueryReader } from '../query-reader.js';
import { MAX_POINTS, STORE_DISABLED, type ConsoleDeps } from './console-deps.js';

/**
 * What the read routes share: the store-disabled answer, the order of the parameter and scope
 * checks (a bad parameter is a 400 before another account is a 403), and the point-count limit.
 */

/** A trace id as the read routes accept it: 32 hex digits, either case (the store keeps lower case). */
export const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** A handler that reads the embedded store; `404` (STORE_DISABLED) while it is turned off. */
export function storeHandler(deps: ConsoleDeps, handler: (store: EmbeddedStore, request: ApiRequest) => Promise<ApiReply>): ApiHandler {
  return (request) => (deps.store === undefined ? STORE_DISABLED : handler(deps.store, request));
}

export type ReadScope =
  | {
      ok: true;
      /** The principal's scope when no account was asked for (undefined: every account), else undefined. */
      accounts: readonly string[] | undefined;
      /** The accounts to read: the one asked for, else the principal's scope (undefined: every account). */
      only: readonly string[] | undefined;
    }
  | { ok: false; reply: ApiReply };

/**
 * After every parameter was read: the first problem with them as a `400`, else the account filter
 * `account` checked against what the principal may read (`403` for another account's data).
 */
export function readScope(q: QueryReader, principal: Principal, account: string | undefined): ReadScope {
  if (q.error !== undefined) return { ok: false, reply: badRequest(q.error) };
  const scope = scopeAccounts(principal, account);
  if (!scope.ok) return { ok: false, reply: forbidden(`this token cannot read account ${scope.account}`) };
  return { ok: true, accounts: scope.accounts, only: account !== undefined ? [account] : scope.accounts };
}

/**
 * Fails `q` when `[fromNs, untilNs)` in steps of `stepSeconds` gives more than MAX_POINTS points
 * (a series or timeline has a point per step). Nothing to check once `q` has failed.
 */
export function checkPointCount(q: QueryReader, fromNs: bigint, untilNs: bigint, stepSeconds: number): void {
  if (q.error !== undefined) return;
  const stepNs = BigInt(stepSeconds) * 1_000_000_000n;
  const points = (untilNs - fromNs + stepNs - 1n) / stepNs;
  if (points > BigInt(MAX_POINTS)) q.fail(`since..until / stepSeconds gives ${points} points; at most ${MAX_POINTS}: widen stepSeconds or narrow the window`);
}

/** `fields` without its undefined members: a store query names only the filters that were given. */
export function givenOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
