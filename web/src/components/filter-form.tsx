import type { ComponentChildren } from 'preact';

/** A view's search form: its fields, then the submit button; submitting calls `onSubmit` instead of loading a page. */
export function FilterForm({ label, submitLabel = 'Search', onSubmit, children }: { label: string; submitLabel?: string; onSubmit: () => void; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
      <button type="submit" class="primary">
        {submitLabel}
      </button>
    </form>
  );
}
