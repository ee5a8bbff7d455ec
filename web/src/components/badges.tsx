import type { InstanceStatus } from '../api/types.js';

const STATUS_LABEL: Record<InstanceStatus, string> = { completed: 'completed', failed: 'failed', stuck: 'stuck', inFlight: 'in flight' };
// A symbol with every colour, so status reads without colour vision too.
const STATUS_ICON: Record<InstanceStatus, string> = { completed: '✓', failed: '✕', stuck: '◔', inFlight: '…' };

export function StatusBadge({ status }: { status: InstanceStatus }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? ''}</span> {STATUS_LABEL[status] ?? status}
    </span>
  );
}

export function SloBadge({ met }: { met: boolean }) {
  return met ? (
    <span class="badge badge-completed" data-slo="met">
      <span aria-hidden="true">✓</span> SLO met
    </span>
  ) : (
    <span class="badge badge-failed" data-slo="not-met">
      <span aria-hidden="true">✕</span> SLO not met
    </span>
  );
}

export function SeverityBadge({ text, number }: { text: string; number?: number | undefined }) {
  const n = number ?? severityNumberOf(text);
  const level = n >= 17 ? 'error' : n >= 13 ? 'warn' : n >= 9 ? 'info' : 'debug';
  return (
    <span class={`sev sev-${level}`} data-severity={level}>
      {level === 'error' ? <span aria-hidden="true">⚠ </span> : null}
      {text === '' ? level.toUpperCase() : text}
    </span>
  );
}

function severityNumberOf(text: string): number {
  const t = text.toUpperCase();
  if (t.startsWith('FATAL')) return 21;
  if (t.startsWith('ERROR')) return 17;
  if (t.startsWith('WARN')) return 13;
  if (t.startsWith('INFO')) return 9;
  if (t.startsWith('DEBUG')) return 5;
  return 1;
}
