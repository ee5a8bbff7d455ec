#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 DUCKDB_JE_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 node --max-semi-space-size=4
// Memory settings, measured under the bench load (README, Performance):
// - a 4 MiB young generation per semi-space (V8's default grows it to 16): ~60 MiB less resident
//   than the default, ~30 MiB less than 8 MiB for 5–10 % more CPU (side by side runs, within the
//   bench's run-to-run noise); 2 MiB cost 20–30 % more CPU for no memory gain;
// - two glibc malloc arenas (not one per thread: DuckDB's and libuv's threads each kept tens of
//   MiB freed but resident) and a fixed mmap threshold, so the store's batch buffers (MiBs, freed
//   after each append) go back to the system (glibc otherwise raises the threshold and keeps them);
// - DuckDB's own allocator (jemalloc, built into its library) returns freed pages at once instead
//   of keeping them resident for a second: 30–40 MiB less at the peak of the store's load, for
//   about 10 % more CPU in the store-on scenarios (still 1.3–1.5× the floor).
// `npm start`, the image (ENTRYPOINT and ENV) and the bench start node with the same settings.
import { packageVersion } from './version.js';
import { StartupError } from './startup-error.js';
import { ConfigError } from '../errors.js';

const USAGE = `e2e-o11y — end-to-end observability hub

Usage:
  e2e-o11y hub [--config FILE]          run the hub (OTLP ingest :4318, console :3000)
  e2e-o11y agent --config FILE          run the sending-side agent
  e2e-o11y relay --config FILE          run the relay (forwarder to the hub's region)
  e2e-o11y accounts add|list|revoke|restore|rotate …   manage accounts on a running hub
  e2e-o11y demo [--config FILE]         run the hub with simulated workload accounts
  e2e-o11y hub|agent|relay --check-config FILE   validate a configuration file and exit
  e2e-o11y --version                    print the version

Run 'e2e-o11y <command> --help' for a command's options and environment variables.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Everything the hub, agent and relay create (data directory, queue, store, keys, stats) is
  // private to the service user: 0700 directories, 0600 files, whatever the caller's umask.
  process.umask(0o077);
  // Each command loads its own modules only: --version, --help and `accounts` start in milliseconds
  // instead of loading the store's native binding and everything else.
  switch (command) {
    case 'hub':
      return (await import('./hub-command.js')).runHubCommand(rest);
    case 'demo':
      return (await import('./demo-command.js')).runDemoCommand(rest);
    case 'accounts':
      return (await import('./accounts-command.js')).runAccountsCommand(rest);
    case 'agent':
      return (await import('./agent-command.js')).runAgentCommand(rest);
    case 'relay':
      return (await import('./relay-command.js')).runRelayCommand(rest);
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    // Configuration and start-up errors name what to change; a stack trace would only hide that.
    if (err instanceof ConfigError || err instanceof StartupError) process.stderr.write(`e2e-o11y: ${err.message}\n`);
    else process.stderr.write(`e2e-o11y: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
