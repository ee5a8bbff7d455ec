import { setStringAttribute } from '../otlp/attributes.js';
import type { RequestBySignal, Resource, Signal } from '../otlp/model.js';

/** Resource attribute naming the authenticated account; whatever the sender put there is overwritten. */
export const ACCOUNT_ATTRIBUTE = 'e2e.account.id';

function stamp(resource: Resource | undefined, accountId: string): Resource {
  const r = resource ?? { attributes: [], droppedAttributesCount: 0 };
  setStringAttribute(r.attributes, ACCOUNT_ATTRIBUTE, accountId);
  return r;
}

/** Stamps `e2e.account.id` on every resource of the request (in place). */
export function enrichRequest<S extends Signal>(signal: S, request: RequestBySignal[S], accountId: string): void {
  if (signal === 'traces') {
    for (const rs of (request as RequestBySignal['traces']).resourceSpans) rs.resource = stamp(rs.resource, accountId);
  } else if (signal === 'metrics') {
    for (const rm of (request as RequestBySignal['metrics']).resourceMetrics) rm.resource = stamp(rm.resource, accountId);
  } else {
    for (const rl of (request as RequestBySignal['logs']).resourceLogs) rl.resource = stamp(rl.resource, accountId);
  }
}
