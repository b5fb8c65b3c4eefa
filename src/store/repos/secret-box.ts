/** What the store needs from the vault: authenticated encryption bound to a record id (AAD). */
export interface SecretBox {
  seal(plaintext: string, aad: string): string;
  open(envelope: string, aad: string): string;
}
