import { join } from 'node:path';
import { ConnectorError } from '../core/errors.ts';
import { loadMasterKey, Vault, VaultError } from '../vault/vault.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';

/** A stored secret the master key in use cannot open (MLC_ERR_CONFIG); `status` shows its connection as unreadable. */
export class SecretUnreadableError extends ConnectorError {}

/**
 * The vault with the master key from the environment or the key file. A secret that fails
 * authentication was, in practice, sealed with another master key (each envelope is bound to its
 * record id, so a copied one fails the same way): that is a configuration error saying which key
 * was used and what to do, not an internal error.
 */
export async function openSecretBox(options: { dataDir: string; masterKey?: string | undefined }): Promise<SecretBox> {
  const vault = new Vault(loadMasterKey(options));
  const keyFile = join(options.dataDir, 'master.key');
  const source = options.masterKey
    ? 'the master key from the environment (ML_CONNECTOR_MASTER_KEY)'
    : `the master key from the key file ${keyFile} (ML_CONNECTOR_MASTER_KEY is not set)`;
  const advice = options.masterKey
    ? `set ML_CONNECTOR_MASTER_KEY to the key the data was sealed with (or unset it if the data was sealed with the key file ${keyFile})`
    : `set ML_CONNECTOR_MASTER_KEY to the key the data was sealed with, or put back the key file it was sealed with`;
  return {
    seal: (plaintext, aad) => vault.seal(plaintext, aad),
    open(envelope, aad) {
      try {
        return vault.open(envelope, aad);
      } catch (e) {
        if (!(e instanceof VaultError) || e.reason !== 'not_authentic') throw e;
        const what = aad.startsWith('connection:') ? `connection '${aad.slice('connection:'.length)}'` : aad;
        throw new SecretUnreadableError({
          code: 'MLC_ERR_CONFIG',
          message: `the stored secret of ${what} cannot be opened with ${source}: it was sealed with another master key (or altered). ` +
            `To use it, ${advice}; otherwise connect it again, which seals it with this key.`,
          cause: e,
        });
      }
    },
  };
}
