import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Bounded request slots: how many requests a server works on at once (bodies in memory, decode,
 * queue appends). Every request takes a slot when it arrives; the slot is released exactly once,
 * when the first of these happens:
 * - its response finished or closed (answered, destroyed, or its socket closed under it);
 * - its connection closed — this is what frees a response still queued behind a pipelined one,
 *   which Node never finishes nor closes when the socket goes away.
 * A handler that throws still ends in one of the two (its error reply or the socket's close).
 *
 * Cost: one closure and one `close` listener per request (what a plain in-flight counter needs too),
 * plus one small record and one `close` listener per connection.
 */
export interface RequestSlots {
  /** Slots a server may hand out; `overLimit()` is true beyond it. */
  readonly max: number;
  /** Slots taken now. */
  readonly inUse: number;
  /** Takes a slot for `req` (always; check `overLimit()` to refuse the request). */
  acquire(req: IncomingMessage, res: ServerResponse): void;
  /** More slots are taken than `max`: the newest request should be refused (503). */
  overLimit(): boolean;
  /** True when every slot has been taken continuously for at least `ms` (readiness). */
  saturatedFor(ms: number, now?: number): boolean;
  /** Resolves once no slot is taken (immediately when none is). */
  idle(): Promise<void>;
}

/** Slots held by one connection; `closed` once its socket closed (later releases are no-ops). */
interface ConnectionSlots {
  held: number;
  closed: boolean;
}

export function createRequestSlots(options: { max: number; now?: () => number }): RequestSlots {
  if (!(Number.isInteger(options.max) && options.max > 0)) throw new TypeError('createRequestSlots: max must be a positive integer');
  return new Slots(options.max, options.now ?? Date.now);
}

class Slots implements RequestSlots {
  readonly max: number;
  #inUse = 0;
  #now: () => number;
  /** When every slot became taken; undefined while some are free. */
  #saturatedSince: number | undefined;
  #idleWaiters: (() => void)[] = [];
  #byConnection = new WeakMap<Socket, ConnectionSlots>();

  constructor(max: number, now: () => number) {
    this.max = max;
    this.#now = now;
  }

  get inUse(): number {
    return this.#inUse;
  }

  acquire(req: IncomingMessage, res: ServerResponse): void {
    // The request's own socket: a pipelined response has no `res.socket` until its turn comes.
    const socket = req.socket;
    let conn = this.#byConnection.get(socket);
    if (conn === undefined) {
      // A socket that already closed will not emit 'close' again: nothing can be held for it.
      if (socket.closed) return;
      const c: ConnectionSlots = { held: 0, closed: false };
      conn = c;
      this.#byConnection.set(socket, c);
      socket.once('close', () => {
        c.closed = true;
        const n = c.held;
        c.held = 0;
        this.#give(n);
      });
    }
    if (conn.closed) return;
    const held = conn;
    held.held++;
    this.#take();
    let released = false;
    res.on('close', () => {
      if (released) return;
      released = true;
      if (held.closed) return; // the connection's close already gave this slot back
      held.held--;
      this.#give(1);
    });
  }

  overLimit(): boolean {
    return this.#inUse > this.max;
  }

  saturatedFor(ms: number, now = this.#now()): boolean {
    return this.#saturatedSince !== undefined && now - this.#saturatedSince >= ms;
  }

  idle(): Promise<void> {
    if (this.#inUse === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #take(): void {
    this.#inUse++;
    if (this.#inUse >= this.max && this.#saturatedSince === undefined) this.#saturatedSince = this.#now();
  }

  #give(n: number): void {
    if (n === 0) return;
    this.#inUse -= n;
    if (this.#inUse < this.max) this.#saturatedSince = undefined;
    if (this.#inUse === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
