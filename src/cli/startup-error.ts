/**
 * A start-up failure the operator can fix from its message alone (a taken port, say): main() prints
 * the message without a stack trace and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }

  /** `message` when the failure was recognised, else the original error unchanged. */
  static from(err: unknown, message: string | undefined): unknown {
    return message === undefined ? err : new StartupError(message, { cause: err });
  }
}
