import { HIDDEN_ACCOUNT, type Span } from '../api/types.js';
import { accountLabel } from '../lib/accounts.js';
import { formatNsDuration, formatValue } from '../lib/format.js';
import { isErrorSpan, SPAN_KINDS, STATUS_CODES } from '../lib/span-tree.js';
import { formatTime, nsBetween } from '../lib/time.js';

function AttrTable({ attrs, label }: { attrs: Record<string, unknown> | undefined; label: string }) {
  const entries = Object.entries(attrs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="muted">No {label}.</p>;
  return (
    <table class="kv" aria-label={label}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k} data-attr={k}>
            <th scope="row">{k}</th>
            <td>{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Everything the API knows about one span: ids, timing, account/service, status, attributes, resource, events, links. */
export function SpanDetails({ span, names, onClose }: { span: Span; names: ReadonlyMap<string, string>; onClose: () => void }) {
  const hidden = span.accountId === HIDDEN_ACCOUNT;
  const error = isErrorSpan(span);
  const durationNs = nsBetween(span.startTimeUnixNano, span.endTimeUnixNano);
  return (
    <aside class="span-details" aria-label="span details" data-span-id={span.spanId}>
      <header class="card-head">
        <h3>{hidden ? 'Hidden span' : span.name}</h3>
        <button type="button" class="ghost small" onClick={onClose} aria-label="close span details">
          ✕
        </button>
      </header>
      {hidden ? (
        <p class="notice">This span belongs to an account your token may not read: only its ids and timing are shown.</p>
      ) : null}
      <table class="kv">
        <tbody>
          {hidden ? null : (
            <tr>
              <th scope="row">status</th>
              <td>
                {error ? (
                  <span class="status-error">
                    <span aria-hidden="true">⚠ </span>ERROR{span.status?.message ? `: ${span.status.message}` : ''}
                  </span>
                ) : (
                  (STATUS_CODES[span.status?.code ?? 0] ?? 'unset').toUpperCase()
                )}
              </td>
            </tr>
          )}
          <tr>
            <th scope="row">duration</th>
            <td>{formatNsDuration(durationNs)}</td>
          </tr>
          <tr>
            <th scope="row">start</th>
            <td>{formatTime(span.startTimeUnixNano)}</td>
          </tr>
          <tr>
            <th scope="row">account</th>
            <td>{accountLabel(span.accountId, names)}</td>
          </tr>
          {hidden ? null : (
            <>
              <tr>
                <th scope="row">service</th>
                <td>{span.serviceName || '—'}</td>
              </tr>
              <tr>
                <th scope="row">source</th>
                <td>{span.sourceName ?? '—'}</td>
              </tr>
              <tr>
                <th scope="row">kind</th>
                <td>{SPAN_KINDS[span.kind] ?? String(span.kind)}</td>
              </tr>
              {span.scopeName ? (
                <tr>
                  <th scope="row">scope</th>
                  <td>{span.scopeName}</td>
                </tr>
              ) : null}
            </>
          )}
          <tr>
            <th scope="row">trace id</th>
            <td>
              <a href={`/traces/${span.traceId}`} class="mono">
                {span.traceId}
              </a>
            </td>
          </tr>
          <tr>
            <th scope="row">span id</th>
            <td class="mono">{span.spanId}</td>
          </tr>
          <tr>
            <th scope="row">parent id</th>
            <td class="mono">{span.parentSpanId === '' ? '— (root)' : span.parentSpanId}</td>
          </tr>
          {span.traceState ? (
            <tr>
              <th scope="row">trace state</th>
              <td class="mono">{span.traceState}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {hidden ? null : (
        <>
          <h4>Attributes</h4>
          <AttrTable attrs={span.attributes} label="span attributes" />
          <h4>Resource</h4>
          <AttrTable attrs={span.resource} label="resource attributes" />
          <h4>Events ({span.events?.length ?? 0})</h4>
          {(span.events ?? []).length === 0 ? (
            <p class="muted">No events.</p>
          ) : (
            <ul class="events">
              {(span.events ?? []).map((ev, i) => (
                <li key={i}>
                  <strong>{ev.name ?? 'event'}</strong>{' '}
                  <span class="muted">
                    +{ev.timeUnixNano && /^\d+$/.test(ev.timeUnixNano) ? formatNsDuration(nsBetween(span.startTimeUnixNano, ev.timeUnixNano)) : '?'}
                  </span>
                  <AttrTable attrs={ev.attributes} label="event attributes" />
                </li>
              ))}
            </ul>
          )}
          <h4>Links ({span.links?.length ?? 0})</h4>
          {(span.links ?? []).length === 0 ? (
            <p class="muted">No links.</p>
          ) : (
            <ul class="events">
              {(span.links ?? []).map((l, i) => (
                <li key={i}>
                  <a href={`/traces/${l.traceId ?? ''}`} class="mono">
                    {l.traceId}
                  </a>{' '}
                  <span class="mono muted">{l.spanId}</span>
                  <AttrTable attrs={l.attributes} label="link attributes" />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}
