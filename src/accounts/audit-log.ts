import { appendFile } from 'node:fs/promises';
import { restrictFileMode } from './data-dir.js';
import { Serial } from './serial.js';

export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  accountId: string | null;
  /** Never holds a secret: ids, names, plans, expirations and reasons only. */
  details: Record<string, unknown>;
}

/**
 * Admin actions and integrity findings as JSON lines in `<dataDir>/audit.log` (mode 0600). Appends
 * run off the event loop, one at a time, in call order.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}

export function createAuditLog(path: string): AuditLog {
  const serial = new Serial();
  let checkedMode = false;
  return {
    append(entry) {
      return serial.run(async () => {
        await appendFile(path, JSON.stringify(entry) + '\n', { mode: 0o600 });
        if (!checkedMode) {
          // A file left by an earlier version (or copied in) may be looser than the mode above.
          await restrictFileMode(path, 0o600);
          checkedMode = true;
        }
      });
    },
  };
}
