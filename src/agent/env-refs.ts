import { ConfigError } from '../errors.js';

/**
 * Resolves `${ENV_NAME}` (and `${ENV_NAME:-default}`) references in configured attribute values,
 * once, when the config is loaded: the values then stay fixed for the agent's life, so an
 * environment change cannot re-label data mid-stream. `$${` stands for a literal `${`.
 * An unset variable without a default is a configuration error.
 */
export function resolveEnvRefs(
  attributes: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(attributes)) {
    out[key] = raw.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, ref: string) => {
      if (escaped === '$') return whole.slice(1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(ref);
      if (m === null) throw new ConfigError(`resource.attributes.${key}: invalid reference \${${ref}}`);
      const name = m[1] ?? '';
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (m[2] !== undefined) return m[2];
      throw new ConfigError(`resource.attributes.${key}: environment variable ${name} is not set`);
    });
  }
  return out;
}
