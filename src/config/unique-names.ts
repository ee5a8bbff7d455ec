import type { z } from 'zod';

/**
 * A `superRefine` for a config list whose entries are told apart by name: every repeated name is
 * an issue `<what> '<name>' is used twice`.
 */
export function uniqueNames(what: string): (entries: readonly { name: string }[], ctx: z.RefinementCtx) => void {
  return (entries, ctx) => {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', message: `${what} '${e.name}' is used twice` });
      seen.add(e.name);
    }
  };
}
