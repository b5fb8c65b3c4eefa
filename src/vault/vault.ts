import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../store/repos/secret-box.ts';
import { isCredentialSecretField, registerSecret } from '../core/redact.ts';
import { VaultError } from './errors.ts';
import { loadKeyFile } from './key-file.ts';

export { VaultError, type VaultErrorReason } from './errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * AES-256-GCM envelopes for credentials at rest:
 *   `v1.<iv>.<tag>.<ciphertext>` (each part base64url)
 * with a fresh random 12-byte IV per envelope (the IV size NIST SP 800-38D recommends; a
 * random IV keeps the collision chance negligible for far more envelopes than we will ever write
 * under one key) and the record id as additional authenticated data, so an envelope copied into
 * another row fails authentication instead of decrypting. The version prefix leaves room for key
 * rotation or another cipher without guessing at old rows.
 */
export class Vault implements SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new VaultError('bad_key', `the master key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /** Encrypts a plaintext (the credential JSON text) bound to aad, e.g. `connection:<id>`. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /**
   * Decrypts and authenticates. A changed byte, another record's aad or another key all fail the
   * same way. The plaintext's secret values are registered for redaction before it is returned.
   */
  open(envelope: string, aad: string): string {
    const parts = envelope.split('.');
    const [version, ivText, tagText, bodyText] = parts;
    if (parts.length !== 4 || version !== 'v1' || ivText === undefined || tagText === undefined || bodyText === undefined) {
      throw new VaultError('bad_envelope', `the stored secret for ${aad} is not a v1 vault envelope`);
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new VaultError('bad_envelope', `the stored secret for ${aad} is not a valid v1 vault envelope`);
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError(
        'not_authentic',
        `the stored secret for ${aad} failed authentication: it was altered, belongs to another record, or was sealed with another master key`,
      );
    }
    registerPlaintext(plaintext);
    return plaintext;
  }
}

function registerPlaintext(plaintext: string): void {
  registerSecret(plaintext);
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    return;
  }
  const walk = (v: unknown, key: string | null, depth: number): void => {
    if (depth > 8) return;
    if (typeof v === 'string') {
      if (key === null || isCredentialSecretField(key)) registerSecret(v);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, key, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, k, depth + 1);
    }
  };
  walk(value, null, 0);
}

/**
 * Decodes a master key given as 64 hex characters or base64/base64url of 32 bytes. The error
 * says how long the decoded key was and never repeats the text.
 */
export function parseMasterKey(text: string, source = 'ML_CONNECTOR_MASTER_KEY'): Buffer {
  const t = text.trim();
  // Text made only of hex digits is read as hex: base64 of 32 random bytes is all hex digits with a
  // probability around (22/64)^43, so the rule never misreads a real base64 key.
  const hex = /^(?:[0-9a-fA-F]{2})+$/.test(t);
  if (!hex && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    throw new VaultError('bad_key', `${source} must be ${KEY_BYTES} bytes written as 64 hex characters or base64; it is neither`);
  }
  const key = Buffer.from(t, hex ? 'hex' : 'base64');
  if (key.length !== KEY_BYTES) {
    throw new VaultError(
      'bad_key',
      `${source} must be ${KEY_BYTES} bytes written as 64 hex characters or base64; it decodes to ${key.length} bytes as ${hex ? 'hex' : 'base64'}`,
    );
  }
  registerSecret(t);
  return key;
}

/**
 * The master key: ML_CONNECTOR_MASTER_KEY when given (passed in from config.ts), otherwise
 * `<dataDir>/master.key`, created with mode 0600 on first use and refused if group or others
 * can read or write it.
 */
export function loadMasterKey(options: { dataDir: string; masterKey?: string | undefined }): Buffer {
  if (options.masterKey) return parseMasterKey(options.masterKey);
  const { path, text } = loadKeyFile(options.dataDir, () => randomBytes(KEY_BYTES).toString('hex'));
  return parseMasterKey(text, `the key file ${path}`);
}

/** A vault with the master key from options (see loadMasterKey). */
export function openVault(options: { dataDir: string; masterKey?: string | undefined }): Vault {
  return new Vault(loadMasterKey(options));
}
