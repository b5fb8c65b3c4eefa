export type VaultErrorReason = 'bad_key' | 'loose_key_file' | 'bad_envelope' | 'not_authentic';

/** Vault failures. Messages name the record or file and the cause, never a key or a plaintext. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly reason: VaultErrorReason,
    message: string,
  ) {
    super(message);
  }
}
