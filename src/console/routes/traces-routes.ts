import { canRead, redactAccounts, redactSpans, type Principal } from '../../access/index.js';
import type { SpanRow, TraceSummary } from '../../store/types.js';
import { badRequest, notFound, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import { DAY_SECONDS, MAX_WINDOW_SECONDS, nowNsOf, type ConsoleDeps } from './console-deps.js';
import { givenOnly, readScope, storeHandler, TRACE_ID } from './read-route.js';

export const MAX_TRACE_SEARCH_LIMIT = 1000;
/** What `GET /api/traces/{traceId}` answers: the spans a viewer may not read are redacted (timing only). */
export interface TraceReply {
  traceId: string;
  spans: SpanRow[];
}
export const MAX_ATTRIBUTE_FILTERS = 10;
/** A day in ms: a longer minimum duration finds nothing a week of retention could hold usefully. */
const MAX_MIN_DURATION_MS = 7 * 86_400_000;

/**
 * A search result as a viewer may see it: other accounts collapse to "hidden", and their services
 * and a root span in another account are not named.
 */
function redactSummary(principal: Principal, summary: TraceSummary, spans: readonly SpanRow[]): TraceSummary {
  if (principal.role === 'admin') return summary;
  const visible = spans.filter((s) => canRead(principal, s.accountId));
  const root = spans.find((s) => s.parentSpanId === '') ?? spans[0];
  const rootVisible = root !== undefined && canRead(principal, root.accountId);
  return {
    ...summary,
    rootName: rootVisible ? root.name : '',
    rootService: rootVisible ? root.serviceName : '',
    accounts: redactAccounts(principal, summary.accounts),
    services: [...new Set(visible.map((s) => s.serviceName).filter((s) => s !== ''))].sort(),
  };
}

export function tracesRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/traces/:traceId',
      access: 'read',
      handler: storeHandler(deps, async (store, { params, principal }) => {
        const id = params['traceId'] ?? '';
        if (!TRACE_ID.test(id)) return badRequest('trace id must be 32 hex characters');
        const spans = await store.getTrace(id.toLowerCase());
        // A viewer learns nothing about traces that do not touch its accounts, not even that they exist.
        if (spans.length === 0 || !spans.some((s) => canRead(principal, s.accountId))) return notFound(`trace ${id} not found`);
        return ok({ traceId: id.toLowerCase(), spans: redactSpans(principal, spans) } satisfies TraceReply);
      }),
    },
    {
      method: 'GET',
      path: '/api/traces',
      access: 'read',
      handler: storeHandler(deps, async (store, { query, principal }) => {
        const q = new QueryReader(query);
        const account = q.string('account', 64);
        const service = q.string('service', 256);
        const name = q.string('name', 1024);
        const status = q.oneOf('status', ['error'] as const);
        const minDurationMs = q.int('minDurationMs', { min: 0, max: MAX_MIN_DURATION_MS });
        const limit = q.int('limit', { min: 1, max: MAX_TRACE_SEARCH_LIMIT, def: 20 });
        const attributes = q.prefixed('attr.', MAX_ATTRIBUTE_FILTERS);
        const { since, until } = q.window(nowNsOf(deps), DAY_SECONDS, MAX_WINDOW_SECONDS);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        const summaries = await store.searchTraces({
          ...givenOnly({
            account,
            accounts: scope.accounts,
            service,
            name,
            attributes: Object.keys(attributes).length === 0 ? undefined : attributes,
            errorsOnly: status === 'error' ? true : undefined,
            minDurationMs,
          }),
          since,
          until,
          limit,
        });
        if (principal.role === 'admin') return ok({ traces: summaries });
        // Per-result trace reads: the summary does not say which account a service or the root belongs to.
        const traces: TraceSummary[] = [];
        for (const s of summaries) traces.push(redactSummary(principal, s, await store.getTrace(s.traceId)));
        return ok({ traces });
      }),
    },
  ];
}
