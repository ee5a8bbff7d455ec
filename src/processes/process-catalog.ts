import type { ProcessDefinitionForStore } from '../store/types.js';
import type { ProcessDefinition } from './process-config.js';

/** The process definitions in force; replaced as a whole on every config reload. */
export interface ProcessCatalog {
  list(): readonly ProcessDefinition[];
  get(name: string): ProcessDefinition | undefined;
  set(defs: readonly ProcessDefinition[]): void;
}

export function toStoreDefinition(def: ProcessDefinition): ProcessDefinitionForStore {
  return { name: def.name, match: { ...def.match }, key: def.key, steps: def.steps.map((s) => ({ ...s })) };
}

/**
 * A catalog that hands every new set of definitions to `onChange` (the embedded store, which links
 * spans to business keys as it stores them).
 */
export function createProcessCatalog(initial: readonly ProcessDefinition[], onChange?: (defs: ProcessDefinitionForStore[]) => void): ProcessCatalog {
  let defs: readonly ProcessDefinition[] = [];
  const catalog: ProcessCatalog = {
    list: () => defs,
    get: (name) => defs.find((d) => d.name === name),
    set(next) {
      defs = [...next];
      onChange?.(defs.map(toStoreDefinition));
    },
  };
  catalog.set(initial);
  return catalog;
}
