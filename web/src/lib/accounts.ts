import { HIDDEN_ACCOUNT } from '../api/types.js';

/**
 * Account colours: a palette picked for contrast on white and for colour-blind readers (Okabe–Ito
 * order), assigned in order of first appearance so the accounts of one view never share a colour.
 */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f', '#f0e442', '#332288', '#117733'];
export const HIDDEN_COLOUR = '#b8bec9';
export const ERROR_COLOUR = '#d62728';

export function colourMap(accountIds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  for (const id of accountIds) {
    if (out.has(id)) continue;
    out.set(id, id === HIDDEN_ACCOUNT ? HIDDEN_COLOUR : (PALETTE[i++ % PALETTE.length] ?? '#0072b2'));
  }
  return out;
}

/** "shop (111111111111)" when the name is known, else the id. */
export function accountLabel(id: string, names: ReadonlyMap<string, string>): string {
  if (id === HIDDEN_ACCOUNT) return 'hidden (another account)';
  const name = names.get(id);
  return name === undefined ? id : `${name} (${id})`;
}

export function accountShort(id: string, names: ReadonlyMap<string, string>): string {
  if (id === HIDDEN_ACCOUNT) return 'hidden';
  return names.get(id) ?? id;
}
