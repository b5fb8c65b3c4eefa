import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretBox } from '../store/repos/secret-box.ts';

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

/**
 * AES-256-GCM envelopes for credentials at rest: `v1.<iv>.<tag>.<ciphertext>` (base64url), a fresh
 * 12-byte IV per envelope (NIST SP 800-38D), and the record id as additional authenticated data so
 * an envelope copied to another row does not open. The key is never logged or put in an error.
 */
export class Vault implements SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new VaultError(`the master key must be 32 bytes, got ${key.length}`);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(envelope: string, aad: string): string {
    const parts = envelope.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw new VaultError('a stored secret is not in a format this version can read');
    const [, iv, tag, body] = parts as [string, string, string, string];
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError(`a stored secret (${aad}) could not be decrypted: wrong master key, or the data was altered`);
    }
  }
}

/** Decodes ML_CONNECTOR_MASTER_KEY: 32 bytes as 64 hex characters or base64. */
export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new VaultError(`ML_CONNECTOR_MASTER_KEY must be 32 bytes as 64 hex characters or base64 (decoded to ${key.length} bytes)`);
  }
  return key;
}

/**
 * The master key from ML_CONNECTOR_MASTER_KEY, or else from `<dataDir>/master.key`, created with
 * mode 0600 on first use. A key file that group or others can read is refused.
 */
export function loadMasterKey(options: { dataDir: string; masterKey?: string | undefined }): Buffer {
  if (options.masterKey) return parseMasterKey(options.masterKey);
  const path = join(options.dataDir, 'master.key');
  if (!existsSync(path)) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new VaultError(`the key file ${path} is readable by other users (mode ${mode.toString(8)}); run 'chmod 600' on it`);
  }
  return parseMasterKey(readFileSync(path, 'utf8'));
}
