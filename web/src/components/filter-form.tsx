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

/** A labelled <select> of a search form. */
export function SelectField({ label, name, value, options, onChange }: { label: string; name: string; value: string; options: readonly { value: string; label: string }[]; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
