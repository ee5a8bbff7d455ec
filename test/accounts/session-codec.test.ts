import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createSessionCodec, deriveKeys } from '../../src/accounts/index.js';

const codec = createSessionCodec(deriveKeys(randomBytes(32)));
const claims = { parentAccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', accountId: '123456789012', expiresAtMs: 1_750_000_000_000 };

test('a minted session opens to its claims; its secret is derived from its key id alone', () => {
  const s = codec.mint(claims);
  assert.match(s.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.match(s.sessionToken, /^[A-Za-z0-9_-]+$/);
  assert.ok(s.sessionToken.length < 300);
  assert.deepEqual(codec.open(s.sessionToken), { accessKeyId: s.accessKeyId, ...claims });
  assert.equal(codec.secretFor(s.accessKeyId), s.secretAccessKey);
  assert.equal(s.secretAccessKey.length, 40);
  const other = codec.mint(claims);
  assert.notEqual(other.accessKeyId, s.accessKeyId);
  assert.notEqual(other.secretAccessKey, s.secretAccessKey);
});

test('another master key neither opens the token nor derives the same secret', () => {
  const s = codec.mint(claims);
  const foreign = createSessionCodec(deriveKeys(randomBytes(32)));
  assert.equal(foreign.open(s.sessionToken), undefined);
  assert.notEqual(foreign.secretFor(s.accessKeyId), s.secretAccessKey);
});

test('property: any change to a token, and any random string, fails to open', () => {
  const s = codec.mint(claims);
  const bytes = Buffer.from(s.sessionToken, 'base64url');
  fc.assert(
    fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
      const changed = Buffer.from(bytes);
      changed[index] = (changed[index] as number) ^ mask;
      return codec.open(changed.toString('base64url')) === undefined;
    }),
  );
  // Any other character anywhere in the string, including the last one, whose low bits the base64
  // decoder would ignore.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  fc.assert(
    fc.property(fc.nat({ max: s.sessionToken.length - 1 }), fc.nat({ max: alphabet.length - 1 }), (index, pick) => {
      const replacement = alphabet[pick] as string;
      fc.pre(replacement !== s.sessionToken[index]);
      return codec.open(`${s.sessionToken.slice(0, index)}${replacement}${s.sessionToken.slice(index + 1)}`) === undefined;
    }),
  );
  for (const c of alphabet) {
    if (c !== s.sessionToken.at(-1)) assert.equal(codec.open(`${s.sessionToken.slice(0, -1)}${c}`), undefined, `last character ${c}`);
  }
  fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => codec.open(text) === undefined));
  assert.equal(codec.open(s.sessionToken.slice(0, -2)), undefined);
  assert.equal(codec.open(`${s.sessionToken}AA`), undefined);
});
