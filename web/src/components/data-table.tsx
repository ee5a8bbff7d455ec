import type { ComponentChildren } from 'preact';

/** A column heading: its text, or [text, class] for a numeric (`num`) or `wide` column. */
export type Column = string | readonly [label: string, cls: string];

/** A data table in a scrolling wrapper: the headings, the rows (`children`, its <tr>s) and an optional note below. */
export function DataTable({ label, columns, class: cls, note, children }: { label: string; columns: readonly Column[]; class?: string; note?: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class={cls === undefined ? 'data' : `data ${cls}`} aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) =>
              typeof c === 'string' ? (
                <th key={i}>{c}</th>
              ) : (
                <th key={i} class={c[1]}>
                  {c[0]}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {note}
    </div>
  );
}

/** Said under a list the API cut at `limit` rows (newest first). */
export function NewestOnly({ shown, limit }: { shown: number; limit: number }) {
  return shown >= limit ? <p class="muted">Showing the newest {limit}; narrow the search to see others.</p> : null;
}
