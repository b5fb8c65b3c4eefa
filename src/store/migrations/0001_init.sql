-- ml-connector schema, version 1. Forward-only: later changes go in new numbered files.

create table kv (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create table connections (
  id text primary key,
  system text not null check (system in ('xero', 'bill', 'qbo', 'acumatica')),
  label text,
  tenant_id text,
  config jsonb not null default '{}',
  secret text,
  status text not null default 'ok' check (status in ('ok', 'needs_reconnect', 'disabled')),
  status_reason text,
  token_expires_at timestamptz,
  last_success_at timestamptz,
  version int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table links (
  name text primary key,
  erp_system text not null check (erp_system in ('xero', 'qbo', 'acumatica')),
  erp_connection_id text not null references connections (id),
  bill_connection_id text not null references connections (id),
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table id_map (
  link text not null,
  entity text not null,
  source_system text not null,
  source_id text not null,
  target_system text not null,
  target_id text,
  state text not null check (state in ('intent', 'linked')),
  match_key text,
  source_version text,
  content_hash text,
  target_version text,
  extra jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (link, entity, source_id)
);
create unique index id_map_target on id_map (link, entity, target_id) where target_id is not null;
create index id_map_match on id_map (link, entity, match_key);
create index id_map_intents on id_map (link, entity) where state = 'intent';

create table cursors (
  link text not null,
  stream text not null,
  value text,
  updated_at timestamptz not null default now(),
  primary key (link, stream)
);

create table records (
  link text not null,
  entity text not null,
  source_system text not null,
  source_id text not null,
  label text,
  status text not null check (status in ('pending', 'synced', 'skipped', 'failed', 'conflict')),
  reason text,
  error_code text,
  error_message text,
  attempts int not null default 0,
  last_run_id text,
  target_id text,
  updated_at timestamptz not null default now(),
  primary key (link, entity, source_id)
);
create index records_status on records (link, status);
create index records_target on records (target_id);

create table audit_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  link text not null,
  run_id text,
  entity text not null,
  source_system text not null,
  source_id text not null,
  target_system text,
  target_id text,
  step text not null,
  outcome text not null,
  error_code text,
  message text,
  source_version text,
  payload jsonb,
  response jsonb
);
create index audit_source on audit_events (link, entity, source_id);
create index audit_target on audit_events (target_id);
create index audit_run on audit_events (run_id);

create table runs (
  id text primary key,
  link text not null,
  kind text not null,
  dry_run boolean not null default false,
  status text not null check (status in ('running', 'succeeded', 'failed', 'partial', 'interrupted')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  counts jsonb,
  progress jsonb,
  error_code text,
  error_message text
);
create index runs_link on runs (link, started_at desc);

create table webhook_events (
  id bigserial primary key,
  system text not null,
  event_key text not null,
  link text,
  received_at timestamptz not null default now(),
  payload jsonb,
  job_id text,
  unique (system, event_key)
);
