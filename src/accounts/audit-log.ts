import { appendFileSync } from 'node:fs';

export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  accountId: string | null;
  /** Never holds a secret: ids, names, plans and expirations only. */
  details: Record<string, unknown>;
}

/** Appends admin actions as JSON lines to `<dataDir>/audit.log` (mode 0600). */
export interface AuditLog {
  append(entry: AuditEntry): void;
}

export function createAuditLog(path: string): AuditLog {
  return {
    append(entry) {
      appendFileSync(path, JSON.stringify(entry) + '\n', { mode: 0o600 });
    },
  };
}
