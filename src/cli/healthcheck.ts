/**
 * The container image's HEALTHCHECK (`node dist/src/cli/healthcheck.js`): exits 0 when the health
 * endpoint answers 2xx within 4 s, else 1. A separate script, not a CLI command, so a check every
 * few seconds loads nothing but this file.
 * Default: the hub console's /healthz on E2E_CONSOLE_PORT (3000). For the agent or the relay set
 * E2E_HEALTHCHECK_URL, e.g. http://127.0.0.1:13133/healthz (agent) or http://127.0.0.1:4318/healthz (relay).
 */
const timeoutMs = 4000;
const url = process.env['E2E_HEALTHCHECK_URL'] || `http://127.0.0.1:${process.env['E2E_CONSOLE_PORT'] || '3000'}/healthz`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
