import type { Observation } from './alert-conditions.js';

/** One alert (a rule on one target) as the engine tracks it. */
export interface AlertState {
  /** `<rule name>\u0000<target>`. */
  id: string;
  rule: string;
  labels: Record<string, string>;
  summary: string;
  generatorURL: string;
  state: 'pending' | 'firing' | 'resolved';
  /** When the condition became true (unix ms); Alertmanager's startsAt. */
  activeSinceMs: number;
  /** When it resolved (unix ms), else null. */
  resolvedAtMs: number | null;
  /** Resolved and not yet accepted by Alertmanager. */
  resolveUnsent: boolean;
}

export interface AlertIdentity {
  id: string;
  rule: string;
  labels: Record<string, string>;
  generatorURL: string;
}

/**
 * The Prometheus-style lifecycle of one alert: a true condition is `pending` until it has held for
 * `forSeconds`, then `firing`; a firing alert whose condition turns false is `resolved` (sent once
 * more, with endsAt); a pending one whose condition turns false is forgotten. Returns undefined when
 * there is nothing to track.
 */
export function advanceAlert(
  prev: AlertState | undefined,
  identity: AlertIdentity,
  obs: Pick<Observation, 'active' | 'summary'>,
  forSeconds: number,
  nowMs: number,
): AlertState | undefined {
  if (obs.active) {
    const wasActive = prev !== undefined && prev.state !== 'resolved';
    const activeSinceMs = wasActive ? prev.activeSinceMs : nowMs;
    const firing = (prev?.state === 'firing' && wasActive) || nowMs - activeSinceMs >= forSeconds * 1000;
    return {
      ...identity,
      summary: obs.summary,
      state: firing ? 'firing' : 'pending',
      activeSinceMs,
      resolvedAtMs: null,
      resolveUnsent: false,
    };
  }
  if (prev === undefined || prev.state === 'pending') return undefined;
  if (prev.state === 'firing') return { ...prev, state: 'resolved', resolvedAtMs: nowMs, resolveUnsent: true };
  return prev;
}

/** A firing alert whose rule or target disappeared (config reload, account removed) resolves. */
export function resolveGone(prev: AlertState, nowMs: number): AlertState | undefined {
  if (prev.state === 'pending') return undefined;
  if (prev.state === 'firing') return { ...prev, state: 'resolved', resolvedAtMs: nowMs, resolveUnsent: true };
  return prev;
}
