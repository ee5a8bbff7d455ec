import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { createDurableQueue, type AppendOutcome, type QueueHealth, type QueueStats } from '../../src/queue/index.js';
import { drain, makeTempDir, repoRoot, segmentFiles, text } from './temp-dir.js';

/**
 * Real I/O faults, not a mocked fs: the queue runs in a child process whose resource limits are
 * changed while it runs (RLIMIT_FSIZE → EFBIG on write, RLIMIT_NOFILE → EMFILE on open), or whose
 * file system (a small tmpfs, where mounting is allowed) is filled up (ENOSPC).
 */

const run = promisify(execFile);
const underTsx = import.meta.url.endsWith('.ts');
const childScript = fileURLToPath(new URL(`./fixtures/fault-child.${underTsx ? 'ts' : 'js'}`, import.meta.url));

type Message =
  | { type: 'outcomes'; prefix: string; outcomes: AppendOutcome[] }
  | { type: 'health'; health: QueueHealth; stats: QueueStats }
  | { type: 'healthChange'; health: QueueHealth }
  | { type: 'closed'; stats: QueueStats };

class FaultChild {
  readonly healthChanges: QueueHealth[] = [];
  readonly #proc: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #answers: Message[] = [];
  #wake: (() => void) | undefined;
  #stderr = '';
  readonly exited: Promise<void>;

  constructor(dir: string, segmentBytes: number) {
    const args = underTsx ? ['--import', 'tsx', childScript, dir, String(segmentBytes)] : [childScript, dir, String(segmentBytes)];
    this.#proc = spawn(process.execPath, args, { cwd: repoRoot(import.meta.url), stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#proc.on('exit', () => resolve()));
    this.#proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    let partial = '';
    this.#proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const message = JSON.parse(line) as Message;
        if (message.type === 'healthChange') this.healthChanges.push(message.health);
        else this.#answers.push(message);
      }
      this.#wake?.();
    });
  }

  get pid(): number {
    assert.ok(this.#proc.pid !== undefined);
    return this.#proc.pid;
  }

  async #request(command: object): Promise<Message> {
    this.#proc.stdin.write(`${JSON.stringify(command)}\n`);
    const deadline = Date.now() + 30_000;
    while (this.#answers.length === 0) {
      assert.ok(Date.now() < deadline && this.#proc.exitCode === null, `child gave no answer: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return this.#answers.shift() as Message;
  }

  async append(prefix: string, count: number): Promise<AppendOutcome[]> {
    const answer = await this.#request({ cmd: 'append', prefix, count });
    assert.ok(answer.type === 'outcomes');
    return answer.outcomes;
  }

  async health(): Promise<{ health: QueueHealth; stats: QueueStats }> {
    const answer = await this.#request({ cmd: 'health' });
    assert.ok(answer.type === 'health');
    return answer;
  }

  /** Polls health() until `until` holds (the queue recovers on its own schedule). */
  async waitForHealth(until: (h: QueueHealth) => boolean, timeoutMs = 20_000): Promise<{ health: QueueHealth; stats: QueueStats }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await this.health();
      if (until(h.health)) return h;
      assert.ok(Date.now() < deadline, `health stayed ${JSON.stringify(h.health)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<QueueStats> {
    const answer = await this.#request({ cmd: 'close' });
    assert.ok(answer.type === 'closed');
    await this.exited;
    return answer.stats;
  }

  kill(): Promise<void> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
    return this.exited;
  }
}

async function prlimit(pid: number, resource: 'fsize' | 'nofile', soft: string): Promise<void> {
  // "soft:" changes the soft limit only; the hard one stays as it is.
  await run('prlimit', ['--pid', String(pid), `--${resource}=${soft}:`]);
}

/** Opens the queue the child left and returns the record texts ("<prefix>-<i>"), asserting each appears once. */
async function survivors(dir: string): Promise<string[]> {
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, onCorruption: () => undefined });
  try {
    const records = await drain(queue.reader('verify'), queue, 8 << 20);
    const ids = records.map((r) => text(r).split(':')[0] as string);
    assert.equal(new Set(ids).size, ids.length, 'no record twice');
    records.forEach((r) => {
      const [id, padding] = text(r).split(':');
      assert.equal(padding, 'v'.repeat(Number(id!.split('-')[1]) % 300), 'payload intact');
    });
    return ids;
  } finally {
    await queue.close();
  }
}

const ids = (prefix: string, outcomes: AppendOutcome[], wanted: AppendOutcome): string[] =>
  outcomes.flatMap((o, i) => (o === wanted ? [`${prefix}-${i}`] : []));

/**
 * Concurrent appends are written in batches in call order: the batches before the fault are
 * acknowledged, the one that hit it and every later one answer 'unavailable'.
 */
function assertOkThenUnavailable(outcomes: AppendOutcome[]): void {
  const firstFailed = outcomes.indexOf('unavailable');
  assert.ok(firstFailed >= 0, 'the fault was hit');
  assert.ok(outcomes.slice(0, firstFailed).every((o) => o === 'ok'));
  assert.ok(outcomes.slice(firstFailed).every((o) => o === 'unavailable'), `outcomes ${outcomes.join(',')}`);
}

/** Bytes on disk of the fault child's record `<prefix>-<i>` (frame header included). */
const frameBytes = (prefix: string, i: number): number => 24 + `${prefix}-${i}:`.length + (i % 300);

void test('file size limit (EFBIG): appends answer unavailable, health degraded; lifted, the queue recovers by itself and loses nothing', { timeout: 90_000 }, async (t) => {
  const { dir, cleanup } = await makeTempDir('efbig');
  t.after(cleanup);
  const child = new FaultChild(dir, 1 << 20);
  t.after(() => child.kill());

  const a = await child.append('a', 60);
  assert.ok(a.every((o) => o === 'ok'));
  const [segment] = await segmentFiles(dir);
  const sizeBefore = (await stat(join(dir, segment!))).size;

  // A batch crossing the limit gets partly written (up to the limit), then fails with EFBIG.
  await prlimit(child.pid, 'fsize', String(sizeBefore + 1000));
  const b = await child.append('b', 60);
  assertOkThenUnavailable(b);
  const during = await child.health();
  assert.equal(during.health.state, 'degraded');
  assert.match(during.health.lastError ?? '', /EFBIG/);
  const durableSize = sizeBefore + ids('b', b, 'ok').reduce((n, _, i) => n + frameBytes('b', i), 0);
  assert.equal((await stat(join(dir, segment!))).size, durableSize, 'the partly written batch was cut off before it was answered');
  const c = await child.append('c', 10);
  assert.deepEqual(new Set(c), new Set(['unavailable']), 'while degraded, appends answer unavailable at once');
  // It keeps trying while the limit holds, and stays degraded.
  const stillDown = await child.waitForHealth((h) => (h.attempts ?? 0) >= 3);
  assert.equal(stillDown.health.state, 'degraded');

  await prlimit(child.pid, 'fsize', 'unlimited');
  const recovered = await child.waitForHealth((h) => h.state === 'ok');
  assert.equal(recovered.stats.recoveries, 1);
  assert.ok(recovered.stats.ioErrors >= 4, `ioErrors ${recovered.stats.ioErrors}`);
  assert.equal(recovered.stats.unavailableRejections, ids('b', b, 'unavailable').length + 10);
  assert.deepEqual(child.healthChanges.map((h) => h.state), ['degraded', 'ok']);
  const d = await child.append('d', 60);
  assert.ok(d.every((o) => o === 'ok'));
  await child.close();

  assert.deepEqual(await survivors(dir), [...ids('a', a, 'ok'), ...ids('b', b, 'ok'), ...ids('d', d, 'ok')]);
});

void test('kill -9 while degraded: after a restart the failed batch never appears, every acknowledged record does', { timeout: 90_000 }, async (t) => {
  const { dir, cleanup } = await makeTempDir('efbig-kill');
  t.after(cleanup);
  const child = new FaultChild(dir, 1 << 20);
  t.after(() => child.kill());
  const a = await child.append('a', 40);
  assert.ok(a.every((o) => o === 'ok'));
  const [segment] = await segmentFiles(dir);
  await prlimit(child.pid, 'fsize', String((await stat(join(dir, segment!))).size + 500));
  const b = await child.append('b', 40);
  assertOkThenUnavailable(b);
  await child.kill();
  assert.deepEqual(await survivors(dir), [...ids('a', a, 'ok'), ...ids('b', b, 'ok')]);
});

void test('out of file descriptors (EMFILE) at a segment roll: degraded, then recovered by itself; acknowledged means kept', { timeout: 90_000 }, async (t) => {
  const { dir, cleanup } = await makeTempDir('emfile');
  t.after(cleanup);
  const child = new FaultChild(dir, 4096);
  t.after(() => child.kill());
  const a = await child.append('a', 20);
  assert.ok(a.every((o) => o === 'ok'));
  const { stdout } = await run('prlimit', ['--pid', String(child.pid), '--nofile', '--output=SOFT', '--noheadings', '--raw']);
  const softBefore = stdout.trim();

  // No new descriptor for this process: the next segment file cannot be created.
  await prlimit(child.pid, 'nofile', '3');
  const b = await child.append('b', 200);
  assertOkThenUnavailable(b);
  const during = await child.health();
  assert.equal(during.health.state, 'degraded');
  assert.match(during.health.lastError ?? '', /EMFILE/);
  assert.deepEqual(new Set(await child.append('c', 10)), new Set(['unavailable']));
  assert.equal((await child.waitForHealth((h) => (h.attempts ?? 0) >= 3)).health.state, 'degraded');

  await prlimit(child.pid, 'nofile', softBefore);
  await child.waitForHealth((h) => h.state === 'ok');
  const d = await child.append('d', 200);
  assert.ok(d.every((o) => o === 'ok'));
  await child.close();
  // Records of b written before the roll are durable and were acknowledged; the rest never appear.
  assert.deepEqual(await survivors(dir), [...ids('a', a, 'ok'), ...ids('b', b, 'ok'), ...ids('d', d, 'ok')]);
});

void test('disk full (ENOSPC on a small tmpfs): degraded while full, recovers once space is freed', { timeout: 90_000 }, async (t) => {
  const { dir: parent, cleanup } = await makeTempDir('enospc');
  const mnt = join(parent, 'mnt');
  // In this order: the child lets go of the mount, the mount goes, then the directory.
  const held: { child?: FaultChild; mounted: boolean } = { mounted: false };
  t.after(async () => {
    await held.child?.kill();
    if (held.mounted) await run('umount', [mnt]).catch(() => run('umount', ['-l', mnt]));
    await cleanup();
  });
  await mkdir(mnt);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
  } catch (err) {
    t.skip(`cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); EFBIG and EMFILE cover the same path`);
    return;
  }
  held.mounted = true;
  const dir = join(mnt, 'queue');
  const child = new FaultChild(dir, 1 << 20);
  held.child = child;
  const a = await child.append('a', 60);
  assert.ok(a.every((o) => o === 'ok'));

  // Fill the file system.
  const filler = join(mnt, 'filler');
  const fh = await open(filler, 'w');
  try {
    const chunk = Buffer.alloc(16 * 1024, 1);
    for (;;) await fh.write(chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await fh.close();
  }
  const b = await child.append('b', 60);
  assertOkThenUnavailable(b);
  const during = await child.health();
  assert.equal(during.health.state, 'degraded');
  assert.match(during.health.lastError ?? '', /ENOSPC/);
  assert.deepEqual(new Set(await child.append('c', 5)), new Set(['unavailable']));
  assert.equal((await child.waitForHealth((h) => (h.attempts ?? 0) >= 3)).health.state, 'degraded', 'no recovery while the disk is full');

  await rm(filler);
  await child.waitForHealth((h) => h.state === 'ok');
  const d = await child.append('d', 60);
  assert.ok(d.every((o) => o === 'ok'));
  await child.close();
  assert.deepEqual(await survivors(dir), [...ids('a', a, 'ok'), ...ids('b', b, 'ok'), ...ids('d', d, 'ok')]);
});
