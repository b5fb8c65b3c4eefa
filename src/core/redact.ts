/**
 * Secret scrubbing for everything that leaves the process as text: logs, audit records, error
 * messages and vendor bodies. Two layers: known secret-bearing field names are masked wherever they
 * appear, and every secret value registered at run time (tokens, passwords, keys) is replaced by
 * `[REDACTED]` in any string, so a token echoed back inside a vendor's error body is caught too.
 */
const secretFieldPattern =
  /^(authorization|password|pass|secret|client_secret|access_token|refresh_token|id_token|token|sessionid|session_id|devkey|dev_key|securitykey|security_key|apikey|api_key|x-xero-signature|x-bill-sha-signature|cookie|set-cookie|code_verifier|masterkey|webhookkey)$/i;

const registeredSecrets = new Set<string>();

/** Registers a secret value so it is scrubbed from all text we emit. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) registeredSecrets.add(value);
}

export function isSecretField(name: string): boolean {
  return secretFieldPattern.test(name);
}

/** Credential field names in any case style (devKey, accessToken, clientSecret, sessionId, webhookKey). */
const credentialFieldPattern = /token|secret|password|passwd|pass$|key$|session|credential|cookie|verifier|signature/i;

/**
 * Whether a field of a stored credential holds a secret, so its value is registered for scrubbing.
 * Only secrets are: the identifiers that travel beside them in the clear — organizationId,
 * tenantId, username, clientId, userId, URLs, scope, expiry times — stay readable in logs.
 */
export function isCredentialSecretField(name: string): boolean {
  return isSecretField(name) || credentialFieldPattern.test(name);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of registeredSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  // Bearer tokens and form-encoded secrets that were never registered (e.g. a foreign token).
  out = out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]');
  out = out.replace(
    /((?:refresh_token|access_token|client_secret|password|code_verifier|devKey|sessionId)=)[^&\s"]+/gi,
    '$1[REDACTED]',
  );
  return out;
}

/** Deep copy with secret fields masked and registered secrets scrubbed from every string. */
export function redactValue<T>(value: T, depth = 0): T {
  if (depth > 12) return '[…]' as T;
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretField(k) && v != null && v !== '' ? '[REDACTED]' : redactValue(v, depth + 1);
    }
    return out as T;
  }
  return value;
}

/** A redacted excerpt of a vendor body, capped so audit rows stay small. */
export function capBody(body: string, max = 2000): string {
  const clean = redactText(body);
  return clean.length > max ? `${clean.slice(0, max)}…(${clean.length - max} more chars)` : clean;
}
