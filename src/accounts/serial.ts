/**
 * Runs async tasks one at a time, in call order: a DuckDB connection runs one statement at a time,
 * and registry changes must be validated against the state the previous change left.
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
