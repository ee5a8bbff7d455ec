import type { ComponentChildren } from 'preact';

export function Kpi({ name, label, value, tone, hint }: { name: string; label: string; value: ComponentChildren; tone?: 'good' | 'bad' | 'warn'; hint?: string }) {
  return (
    <div class={`kpi${tone === undefined ? '' : ` kpi-${tone}`}`} data-kpi={name} title={hint}>
      <div class="kpi-value">{value}</div>
      <div class="kpi-label">{label}</div>
    </div>
  );
}

export function KpiRow({ children }: { children: ComponentChildren }) {
  return <div class="kpis">{children}</div>;
}
