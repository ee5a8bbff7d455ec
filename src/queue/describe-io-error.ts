/**
 * A short description of an I/O error for health() and client messages, without the file path that
 * Node puts in fs error messages (the hub's layout is nobody else's business):
 * "ENOSPC: no space left on device (write)".
 */
export function describeIoError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && typeof e.syscall === 'string') {
      const text = e.message.split(',')[0] ?? e.code;
      return `${text.slice(0, 120)} (${e.syscall})`;
    }
    return err.message.slice(0, 200);
  }
  return String(err).slice(0, 200);
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
