/** One part's view of whether the process can do its job now. */
export interface ReadinessCheck {
  ready: boolean;
  /** Why not (empty when ready): short, for operators, e.g. "draining (shutting down)". */
  reasons: readonly string[];
}

/** A part's readiness, asked each time `/readyz` is served (keep it O(1)). */
export type ReadinessContributor = () => ReadinessCheck;

/** The `/readyz` body: ready only when every check is. */
export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, ReadinessCheck>;
}

export const READY: ReadinessCheck = Object.freeze({ ready: true, reasons: Object.freeze([]) });

export function notReady(...reasons: string[]): ReadinessCheck {
  return { ready: false, reasons };
}

/** Asks every contributor; one that throws counts as not ready (with the error as its reason). */
export function readinessReport(contributors: Readonly<Record<string, ReadinessContributor>>): ReadinessReport {
  const checks: Record<string, ReadinessCheck> = {};
  let ready = true;
  for (const [name, check] of Object.entries(contributors)) {
    let result: ReadinessCheck;
    try {
      result = check();
    } catch (err) {
      result = notReady(`check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    checks[name] = result;
    if (!result.ready) ready = false;
  }
  return { status: ready ? 'ready' : 'not ready', checks };
}
