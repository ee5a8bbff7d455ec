/**
 * Runs async tasks one at a time, in call order. A DuckDB connection runs one statement at a time
 * and a transaction must not interleave with other statements on its connection, so every use of a
 * connection goes through one of these.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // The chain continues whether the task failed or not; the caller sees the failure.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
