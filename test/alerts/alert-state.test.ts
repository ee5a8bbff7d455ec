import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { advanceAlert, resolveGone, type AlertState } from '../../src/alerts/index.js';

const id = { id: 'r\u0000process\u0000order', rule: 'r', labels: { alertname: 'r', process: 'order' }, generatorURL: 'http://c/processes/order' };
const on = { active: true, summary: 'on' };
const off = { active: false, summary: 'off' };

describe('alert lifecycle', () => {
  it('pending until the condition held forSeconds, then firing; resolved once it clears', () => {
    let a: AlertState | undefined = advanceAlert(undefined, id, on, 60, 1_000);
    assert.equal(a?.state, 'pending');
    a = advanceAlert(a, id, on, 60, 60_999);
    assert.equal(a?.state, 'pending');
    a = advanceAlert(a, id, on, 60, 61_000);
    assert.equal(a?.state, 'firing');
    assert.equal(a?.activeSinceMs, 1_000, 'startsAt is when the condition became true');
    a = advanceAlert(a, id, off, 60, 70_000);
    assert.equal(a?.state, 'resolved');
    assert.equal(a?.resolvedAtMs, 70_000);
    assert.equal(a?.resolveUnsent, true);
    assert.equal(advanceAlert(a, id, off, 60, 80_000), a, 'a resolved alert stays until forgotten');
  });

  it('forSeconds 0 fires at once; a pending alert that clears is forgotten without a resolve', () => {
    assert.equal(advanceAlert(undefined, id, on, 0, 5)?.state, 'firing');
    const pending = advanceAlert(undefined, id, on, 30, 5);
    assert.equal(advanceAlert(pending, id, off, 30, 10), undefined);
    assert.equal(advanceAlert(undefined, id, off, 30, 10), undefined);
  });

  it('a resolved alert whose condition returns starts over (a new startsAt)', () => {
    const fired = advanceAlert(undefined, id, on, 0, 1_000);
    const resolved = advanceAlert(fired, id, off, 0, 2_000);
    const again = advanceAlert(resolved, id, on, 10, 3_000);
    assert.equal(again?.state, 'pending');
    assert.equal(again?.activeSinceMs, 3_000);
    assert.equal(again?.resolvedAtMs, null);
  });

  it('a firing alert whose rule disappeared resolves; a pending one is dropped', () => {
    const fired = advanceAlert(undefined, id, on, 0, 1_000)!;
    assert.equal(resolveGone(fired, 2_000)?.state, 'resolved');
    assert.equal(resolveGone(advanceAlert(undefined, id, on, 60, 1_000)!, 2_000), undefined);
  });
});
