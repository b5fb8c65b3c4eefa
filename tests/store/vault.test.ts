import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterKey, openVault, parseMasterKey, Vault, VaultError } from '../../src/vault/vault.ts';
import { redactText } from '../../src/core/redact.ts';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'mlc-vault-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const credential = { access_token: 'at-3f9c1e7be0a24d51', refresh_token: 'rt-88d0c2f6a1b94e3c', token_type: 'Bearer' };

/** Flips one byte of the part of an envelope at index (1 iv, 2 tag, 3 ciphertext). */
function tamper(envelope: string, index: number): string {
  const parts = envelope.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('vault envelopes', () => {
  const vault = new Vault(randomBytes(32));
  const plaintext = JSON.stringify(credential);

  test('round-trip a credential JSON and never repeat an IV', () => {
    const a = vault.seal(plaintext, 'connection:xero-1');
    const b = vault.seal(plaintext, 'connection:xero-1');
    assert.match(a, /^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[1], b.split('.')[1]);
    assert.equal(a.includes(credential.access_token), false);
    assert.deepEqual(JSON.parse(vault.open(a, 'connection:xero-1')), credential);
  });

  test('detect a changed IV, tag or ciphertext', () => {
    const env = vault.seal(plaintext, 'connection:xero-1');
    for (const index of [1, 2, 3]) {
      assert.throws(
        () => vault.open(tamper(env, index), 'connection:xero-1'),
        (e: unknown) => e instanceof VaultError && e.reason === 'not_authentic' && /connection:xero-1 failed authentication/.test(e.message),
      );
    }
  });

  test('refuse an envelope moved to another record (AAD mismatch)', () => {
    const env = vault.seal(plaintext, 'connection:xero-1');
    assert.throws(() => vault.open(env, 'connection:bill-1'), (e: unknown) => e instanceof VaultError && e.reason === 'not_authentic');
  });

  test('refuse an envelope sealed with another key', () => {
    const env = new Vault(randomBytes(32)).seal(plaintext, 'connection:xero-1');
    assert.throws(() => vault.open(env, 'connection:xero-1'), (e: unknown) => e instanceof VaultError && e.reason === 'not_authentic');
  });

  test('refuse text that is not an envelope, without echoing it', () => {
    for (const text of [plaintext, 'v2.a.b.c', 'v1.AAAA.BBBB.CCCC']) {
      assert.throws(
        () => vault.open(text, 'connection:x'),
        (e: unknown) => e instanceof VaultError && e.reason === 'bad_envelope' && !e.message.includes(credential.access_token),
      );
    }
  });

  test('register opened secrets so logs and errors scrub them', () => {
    const fresh = { refresh_token: `rt-${randomBytes(8).toString('hex')}`, clientSecret: `cs-${randomBytes(8).toString('hex')}`, scope: 'accounting.transactions offline_access' };
    const env = vault.seal(JSON.stringify(fresh), 'connection:qbo-1');
    assert.equal(redactText(`oops ${fresh.refresh_token}`), `oops ${fresh.refresh_token}`);
    vault.open(env, 'connection:qbo-1');
    assert.equal(redactText(`oops ${fresh.refresh_token} ${fresh.clientSecret}`), 'oops [REDACTED] [REDACTED]');
    assert.equal(redactText(fresh.scope), fresh.scope, 'non-secret fields stay readable');
  });

  test('no error message carries a key, a plaintext or a ciphertext', () => {
    const key = randomBytes(32);
    const v = new Vault(key);
    const env = v.seal(plaintext, 'connection:xero-1');
    const messages: string[] = [];
    const collect = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        messages.push(String((e as Error).message), String((e as Error).stack));
      }
    };
    collect(() => v.open(tamper(env, 3), 'connection:xero-1'));
    collect(() => v.open(env, 'connection:other'));
    collect(() => new Vault(randomBytes(32)).open(env, 'connection:xero-1'));
    collect(() => parseMasterKey(key.toString('hex').slice(0, 60)));
    collect(() => parseMasterKey(key.toString('base64') + 'AAAA'));
    assert.equal(messages.length, 10);
    for (const m of messages) {
      for (const secret of [key.toString('hex'), key.toString('base64'), key.toString('hex').slice(0, 60), credential.access_token, credential.refresh_token, env.split('.')[3]!]) {
        assert.equal(m.includes(secret), false, `message leaks a secret: ${m.slice(0, 80)}`);
      }
    }
  });
});

describe('master key', () => {
  test('accepts 32 bytes as hex or base64 from ML_CONNECTOR_MASTER_KEY', () => {
    const key = randomBytes(32);
    assert.deepEqual(parseMasterKey(key.toString('hex')), key);
    assert.deepEqual(parseMasterKey(key.toString('hex').toUpperCase()), key);
    assert.deepEqual(parseMasterKey(key.toString('base64')), key);
    assert.deepEqual(parseMasterKey(` ${key.toString('base64url')}\n`), key);
    const dir = scratch();
    assert.deepEqual(loadMasterKey({ dataDir: dir, masterKey: key.toString('hex') }), key);
    assert.throws(() => statSync(join(dir, 'master.key')), /ENOENT/, 'no key file is written when the variable is set');
  });

  test('explains a wrong length or encoding', () => {
    assert.throws(() => parseMasterKey(randomBytes(16).toString('hex')), /ML_CONNECTOR_MASTER_KEY must be 32 bytes .* decodes to 16 bytes/);
    assert.throws(() => parseMasterKey(randomBytes(33).toString('base64')), /decodes to 33 bytes/);
    assert.throws(() => parseMasterKey('not a key!'), /it is neither/);
  });

  test('creates <dataDir>/master.key with mode 0600 and reuses it', () => {
    const dir = join(scratch(), 'data');
    const first = loadMasterKey({ dataDir: dir });
    const path = join(dir, 'master.key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.deepEqual(loadMasterKey({ dataDir: dir }), first);
    const v1 = openVault({ dataDir: dir });
    const v2 = openVault({ dataDir: dir });
    assert.equal(v2.open(v1.seal('{"password":"hunter2-xyz"}', 'c:1'), 'c:1'), '{"password":"hunter2-xyz"}');
  });

  test('refuses a key file that group or others can read', () => {
    const dir = scratch();
    loadMasterKey({ dataDir: dir });
    const path = join(dir, 'master.key');
    chmodSync(path, 0o644);
    assert.throws(
      () => loadMasterKey({ dataDir: dir }),
      (e: unknown) => e instanceof VaultError && e.reason === 'loose_key_file' && e.message.includes(`mode 644`) && e.message.includes(`chmod 600 ${path}`),
    );
    chmodSync(path, 0o640);
    assert.throws(() => loadMasterKey({ dataDir: dir }), /mode 640/);
    chmodSync(path, 0o600);
    assert.equal(loadMasterKey({ dataDir: dir }).length, 32);
  });

  test('refuses a key file with a wrong length, naming the file', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'master.key'), randomBytes(20).toString('hex'), { mode: 0o600 });
    assert.throws(() => loadMasterKey({ dataDir: dir }), /the key file .*master\.key must be 32 bytes .* decodes to 20 bytes/);
  });
});
