import type { ViewerTokenStore } from '../../access/index.js';
import type { AlertListing } from '../../alerts/index.js';
import type { ProcessCatalog } from '../../processes/index.js';
import type { AccountInfoProvider, AccountStats, StatsHistory } from '../../stats/index.js';
import type { EmbeddedStore } from '../../store/types.js';
import { notFound, type ApiReply } from '../api-reply.js';

/** An alert as `GET /api/alerts` lists it (DESIGN "Alerts"): the alert engine's listing. */
export type AlertView = AlertListing;

/** What the console's API routes read from; the hub assembles it. */
export interface ConsoleDeps {
  store: EmbeddedStore | undefined;
  stats: { list(): AccountStats[] };
  accountInfo?: AccountInfoProvider | undefined;
  history?: StatsHistory | undefined;
  processes: ProcessCatalog;
  tokens: ViewerTokenStore;
  alerts?: { list(): AlertView[] } | undefined;
  /** Clock in unix ns (tests move it). */
  nowNs?: () => bigint;
}

export function nowNsOf(deps: ConsoleDeps): bigint {
  return deps.nowNs?.() ?? BigInt(Date.now()) * 1_000_000n;
}

export const STORE_DISABLED: ApiReply = notFound('the embedded store is disabled (exporters.embedded.enabled: false)');

/** Longest window any query accepts, in seconds (the store keeps a week by default). */
export const MAX_WINDOW_SECONDS = 31 * 86_400;
export const DAY_SECONDS = 86_400;
/** Points per series or timeline (CONSOLE-API.md). */
export const MAX_POINTS = 1000;
