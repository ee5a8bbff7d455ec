import type { HubConfig } from '../config/index.js';
import type { AgentConfig } from '../agent/index.js';
import { ConfigError } from '../errors.js';

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const sameSocket = (a: { host: string; port: number }, b: { host: string; port: number }): boolean =>
  a.port !== 0 && a.port === b.port && (a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host));

/**
 * Problems the schema cannot see because they span keys. `--check-config` reports them and
 * start-up refuses them, so a config that passes the check does not fail at start for these reasons.
 */
export function hubConfigProblems(c: HubConfig): string[] {
  const problems: string[] = [];
  if (sameSocket(c.otlp, c.console)) problems.push(`console.port: ${c.console.port} is also otlp.port`);
  if ((c.otlp.tls.cert === null) !== (c.otlp.tls.key === null)) problems.push('otlp.tls: cert and key must be set together');
  if (c.auth.mode === 'basic' && c.auth.basic.htpasswdFile === null) problems.push('auth.basic.htpasswdFile: required when auth.mode is basic');
  if (c.limits.store !== 'memory' && !/^rediss?:\/\/[^/]/.test(c.limits.store)) {
    problems.push(`limits.store: must be memory or a redis:// (rediss://) URL, not '${c.limits.store}'`);
  }
  return problems;
}

export function agentConfigProblems(c: AgentConfig): string[] {
  const problems: string[] = [];
  if (sameSocket(c.receivers.otlp, c.health)) problems.push(`health.port: ${c.health.port} is also receivers.otlp.port`);
  return problems;
}

/** Throws the ConfigError start-up reports: the file and every key at fault. */
export function assertNoProblems(problems: readonly string[], file: string | undefined): void {
  if (problems.length > 0) throw new ConfigError(`config error in ${file ?? '(defaults)'}: ${problems.join('; ')}`);
}

/**
 * `--check-config FILE`: loads and validates like start-up does (env overrides included), prints
 * one line and returns the exit code: 0 valid, 1 invalid (the message names the key and file).
 */
export async function checkConfig(file: string, load: (file: string) => Promise<string[]>): Promise<number> {
  try {
    assertNoProblems(await load(file), file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stdout.write(`${file}: configuration is valid\n`);
  return 0;
}
