import { loadMasterKey, Vault } from '../vault/vault.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';

export async function openSecretBox(options: { dataDir: string; masterKey?: string | undefined }): Promise<SecretBox> {
  return new Vault(loadMasterKey(options));
}
