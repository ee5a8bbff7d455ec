import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Reads a YAML config file (or none), applies env overrides and validates against `schema`.
 * Every problem is reported with the dotted key path and the file, e.g.
 * `config error in hub.yaml: otlp.maxBodyByte: unknown key`.
 */
export async function loadConfigFile<T extends z.ZodType>(
  schema: T,
  file: string | undefined,
  applyEnv: (raw: Record<string, unknown>) => void,
): Promise<z.infer<T>> {
  let raw: unknown = {};
  const where = file ?? '(defaults)';
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`config error in ${file}: invalid YAML: ${(err as Error).message}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`config error in ${where}: the top level must be a mapping of keys`);
  }
  applyEnv(raw as Record<string, unknown>);
  return validateConfig(schema, raw, where);
}

export function validateConfig<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${base === '' ? k : `${base}.${k}`}: unknown key`).join('; ');
    }
    return `${base === '' ? '(top level)' : base}: ${issue.message}`;
  });
  throw new ConfigError(`config error in ${where}: ${problems.join('; ')}`);
}

/** Sets `raw[a][b]… = value`, creating mappings on the way (env overrides). */
export function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = raw;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

export function envPort(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`environment ${name}=${v} is not a port number`);
  return n;
}
