/** Anything the CLI runs until a signal: hub, agent, relay. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * SIGTERM/SIGINT: stop accepting, drain (`before` first, then `service.close()`), exit 0; exit 1 if
 * the shutdown itself fails. A second signal while draining is ignored.
 */
export function stopOnSignals(service: Closable, before?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: draining and stopping\n`);
    (async () => {
      await before?.();
      await service.close();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
