import type { SpanRow } from '../store/types.js';
import { canRead, type Principal } from './principal.js';

/** What a viewer sees in place of another account's id. */
export const HIDDEN_ACCOUNT = 'hidden';

/**
 * A span as a viewer may see it: its own accounts' spans unchanged; another account's span keeps
 * only its ids and timing (so the waterfall keeps its shape) and says `"accountId":"hidden"`.
 * Everything that could describe the other account's system (name, service, source, attributes,
 * events, links, resource, status, scope, kind, trace state) is emptied rather than removed, so the
 * response shape stays the same for the UI.
 */
export function redactSpan(principal: Principal, span: SpanRow): SpanRow & { hidden?: true } {
  if (canRead(principal, span.accountId)) return span;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: '',
    kind: 0,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    accountId: HIDDEN_ACCOUNT,
    sourceName: '',
    serviceName: '',
    attributes: {},
    status: {},
    events: [],
    links: [],
    resource: {},
    scopeName: '',
    traceState: '',
    hidden: true,
  };
}

export function redactSpans(principal: Principal, spans: readonly SpanRow[]): SpanRow[] {
  return spans.map((s) => redactSpan(principal, s));
}

/** An account list with the accounts a viewer may not read collapsed into one `"hidden"` entry. */
export function redactAccounts(principal: Principal, accounts: readonly string[]): string[] {
  if (principal.role === 'admin') return [...accounts];
  const out: string[] = [];
  let hidden = false;
  for (const a of accounts) {
    if (canRead(principal, a)) out.push(a);
    else if (!hidden) {
      hidden = true;
      out.push(HIDDEN_ACCOUNT);
    }
  }
  return out;
}
