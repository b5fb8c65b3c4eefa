import type { z } from 'zod';
import type { Logger } from '../../core/log.ts';
import type { ConnectionRow } from '../../store/repos/connections.ts';
import type { SideDeps } from './types.ts';

/** A connection ready to be saved (the system is the registry entry's). */
export interface NewConnection {
  id: string;
  label: string | null;
  tenantId: string | null;
  config: Record<string, unknown>;
  secret: unknown;
  tokenExpiresAt?: Date | null;
}

/** One field of a form a person fills in (connect pages) or its command-line twin (`connect`). */
export interface FormField {
  key: string;
  label: string;
  /** Shown as a password input, never echoed back, not even after an error. */
  secret?: boolean;
  required?: boolean;
  type?: 'text' | 'url';
  /**
   * On the command line: the flag that gives the value, or, for a secret that must not appear in
   * the process list, the flag naming the environment variable that holds it and its default.
   */
  cli?: { flag: string; metavar: string } | { envFlag: string; defaultEnv: string };
}

/** The OAuth 2.0 client the deployment connects through (from the vendor's developer portal). */
export interface OAuthApp {
  clientId: string;
  clientSecret?: string | undefined;
  urls: Record<string, string>;
}

export interface GrantedTenant {
  id: string;
  name: string | null;
}

/** What a code exchange returned, kept sealed until a tenant is picked. */
export interface OAuthGrant {
  credentials: { expiresAt: number } & Record<string, unknown>;
  tenants: GrantedTenant[];
}

/** Deployment-wide settings of a system (its OAuth app, its webhook key), as a form. */
export interface SettingsForm {
  title: string;
  fields: readonly FormField[];
  /** The saved values: non-secret ones as text, secret ones only as whether one is saved. */
  read(deps: SideDeps): Promise<{ values: Record<string, string | undefined>; saved: Record<string, boolean> } | null>;
  /** Saves what was posted; an empty secret field keeps the saved secret. Throws MLC_ERR_CONFIG naming the field. */
  save(deps: SideDeps, posted: Record<string, string | undefined>): Promise<void>;
}

/**
 * The OAuth 2.0 authorization-code flow (RFC 6749 §4.1, PKCE per RFC 7636): the connect pages
 * (/connect/<id>, /oauth/<id>/callback, pick, disconnect) and `ml-connector connect <id>` are
 * written once over it.
 */
export interface OAuthCodeFlow {
  kind: 'oauth2-code';
  /** The app settings form of the connect pages; `app` reads the saved app back. */
  settings: SettingsForm;
  app(deps: SideDeps): Promise<OAuthApp | null>;
  /** Named URLs for one host (an emulator: no path), or the vendor's production hosts. */
  urlsFor(baseUrl: string | undefined): Record<string, string>;
  /** Paths a pasted --base-url must not end with (they are the connector's to add). */
  baseUrlSuffixes: readonly string[];
  /** Where to check the vendor answers before waiting for a person. */
  reachableUrl(urls: Record<string, string>): string;
  authorize(app: OAuthApp, redirectUri: string, log: Logger): { url: string; state: string; codeVerifier: string };
  /**
   * The callback's query parameter naming the tenant the person chose on the vendor's consent page
   * (Intuit: `realmId`), for vendors whose grant reaches that one tenant: the exchange receives it
   * as `tenantId` and the grant names only it, so there is nothing to pick. Absent when the tenants
   * a grant reaches are asked of the vendor after the exchange (Xero's connections endpoint).
   */
  tenantInCallback?: string;
  exchange(app: OAuthApp, input: { code: string; state: string; redirectUri: string; codeVerifier: string; tenantId?: string | undefined }, log: Logger): Promise<OAuthGrant>;
  /** The connection for the picked tenant; `id` is the name to save it under. */
  connection(app: OAuthApp, grant: OAuthGrant, tenant: GrantedTenant, id: string): NewConnection;
  defaultConnectionId(tenant: GrantedTenant): string;
  /** What a tenant is called ("tenant"), in messages. */
  tenantNoun: string;
  /** Revokes the stored grant at the vendor (disconnect). */
  revoke(deps: SideDeps, row: ConnectionRow): Promise<void>;
  cli: {
    /** Environment variable read for the client secret unless --client-secret-env names another. */
    clientSecretEnv: string;
    /** The emulator's sandbox app, named when the vendor refuses the client (invalid_client). */
    sandboxApp?: { clientId: string; clientSecret: string };
  };
}

/**
 * A credentials form for systems that log in with a user's credentials (BILL's session login):
 * the credentials are tried once before anything is saved.
 */
export interface CredentialsFlow {
  kind: 'credentials';
  /** The system's own fields; base URL and connection name are common to every form. */
  fields: readonly FormField[];
  schema: z.ZodType<Record<string, string>>;
  /** Label of the base URL field (what it is, and what empty means). */
  baseUrlLabel: string;
  urlsFor(baseUrl: string | undefined): Record<string, string>;
  baseUrlSuffixes: readonly string[];
  reachableUrl(urls: Record<string, string>): string;
  /** The field holding the tenant (organisation) id, and what a tenant is called. */
  tenantField: string;
  tenantNoun: string;
  /** Logs in once with the values; returns the checked credentials to keep. Throws what the login threw. */
  check(values: Record<string, string>, urls: Record<string, string>, log: Logger): Promise<unknown>;
  connection(values: Record<string, string>, urls: Record<string, string>, secret: unknown, id: string): NewConnection;
  defaultConnectionId(values: Record<string, string>): string;
}

export type ConnectFlow = OAuthCodeFlow | CredentialsFlow;
