import type { Clock } from '../../core/clock.ts';
import { OAuth2TokenManager } from '../oauth2-token-manager.ts';
import type { CredentialStore } from '../types.ts';
import type { XeroCredentials, XeroOAuth } from './auth.ts';
import { xeroSpec } from './spec.ts';

/**
 * Keeps one Xero connection's access token fresh (oauth2-token-manager.ts has the guarantees):
 * 30-minute access tokens refreshed `refreshSkewSeconds` early, and a refresh token that Xero
 * rotates on every use (https://developer.xero.com/faq/oauth2). A refused grant (`invalid_grant`)
 * surfaces as MLC_ERR_RECONNECT_NEEDED from errors.ts.
 */
export class XeroTokenManager extends OAuth2TokenManager<XeroCredentials> {
  constructor(oauth: XeroOAuth, store: CredentialStore<XeroCredentials>, options: { clock?: Clock; refreshSkewSeconds?: number } = {}) {
    super({ store, refresh: (refreshToken) => oauth.refresh(refreshToken), lifetimes: xeroSpec.auth, refreshSkewSeconds: options.refreshSkewSeconds, clock: options.clock });
  }
}
