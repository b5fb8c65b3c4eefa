-- Webhooks in, BILL subscriptions and the browser OAuth flow (version 3).

-- One consolidated BILL webhook subscription per organisation. The idempotency key is stored
-- before the create is sent, so a retry after a crash or a lost answer replays the first create.
-- The security key is sealed by the vault (bound to the organisation id).
create table bill_subscriptions (
  organization_id text primary key,
  connection_id text not null references connections (id) on delete cascade,
  idempotency_key text not null,
  subscription_id text,
  notification_url text not null,
  security_key text,
  enabled boolean,
  last_checked_at timestamptz,
  last_reenabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- OAuth authorization-code flows started from a browser: single use, short-lived, bound to a
-- cookie (only its hash is kept). The PKCE verifier and, after the exchange, the tokens waiting for
-- the user to pick a tenant are sealed by the vault.
create table oauth_flows (
  state text primary key,
  system text not null,
  browser_hash text not null,
  redirect_uri text not null,
  code_verifier text not null,
  stage text not null check (stage in ('started', 'exchanged', 'done', 'failed')),
  pending text,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index oauth_flows_expiry on oauth_flows (expires_at);
