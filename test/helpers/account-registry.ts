import { openAccountRegistry, type AccountRegistry, type AccountRegistryOptions } from '../../src/accounts/index.js';

/** Opens a registry, runs `fn`, and always closes it (DuckDB holds the file until then). */
export async function withRegistry<T>(options: AccountRegistryOptions, fn: (registry: AccountRegistry) => Promise<T>): Promise<T> {
  const registry = await openAccountRegistry(options);
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
