import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.js';

export function Loading({ what }: { what?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading{what === undefined ? '' : ` ${what}`}…
    </div>
  );
}

/** An API error as the API worded it (message and code), never an empty table. */
export function ErrorBox({ error, what }: { error: Error; what?: string }) {
  const code = error instanceof ApiError ? error.code : undefined;
  const status = error instanceof ApiError && error.status > 0 ? `${error.status} ` : '';
  return (
    <div class="state state-error" role="alert">
      <strong>{what === undefined ? 'Request failed' : `Could not load ${what}`}:</strong> {error.message}
      {code === undefined ? null : (
        <span class="muted">
          {' '}
          ({status}
          {code})
        </span>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

/** Loading / error / empty / content in one place, so no view forgets a state. */
export function Async<T>({
  state,
  what,
  isEmpty,
  empty,
  children,
}: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean };
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  if (state.error !== undefined && state.data === undefined) return <ErrorBox error={state.error} what={what} />;
  if (state.data === undefined) return <Loading what={what} />;
  return (
    <>
      {state.error === undefined ? null : <ErrorBox error={state.error} what={what} />}
      {isEmpty?.(state.data) === true ? <Empty>{empty ?? `No ${what}.`}</Empty> : children(state.data)}
    </>
  );
}

export function Card({ title, actions, children, id }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      {title === undefined && actions === undefined ? null : (
        <header class="card-head">
          {title === undefined ? <span /> : <h2>{title}</h2>}
          {actions === undefined ? null : <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}
