import type { InstanceStep } from '../api/types.js';

const ICON = { ok: '✓', error: '✕', missing: '○' } as const;

/** The steps of one instance: seen ✓, failed ✕ (red), missing ○. */
export function StepChips({ steps }: { steps: readonly InstanceStep[] }) {
  return (
    <span class="steps">
      {steps.map((s) => (
        <span key={s.name} class={`step step-${s.status}`} data-step={s.name} data-step-status={s.status} title={`${s.name}: ${s.status}`}>
          <span aria-hidden="true">{ICON[s.status] ?? '?'}</span> {s.name}
        </span>
      ))}
    </span>
  );
}
