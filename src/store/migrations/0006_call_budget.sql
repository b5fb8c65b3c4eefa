-- Call allowances counted in the database, shared by every process (version 6).

-- Calls started per allowance window, in buckets. A clock-aligned window (BILL's hour) has one
-- bucket per window; a rolling one (Xero's minute and day) has sixty, and a window counts the
-- buckets of the last window plus one bucket, so no span of the window ever holds more than the
-- budget whatever its phase. scope_key is the app key (a hash of the BILL developer key or Xero
-- client id) for app-wide windows and the tenant for per-tenant ones; tenant is the organisation
-- the calls were made for, so an app-wide window can be shared fairly between them. The window's
-- numbers are stored with its counts so usage can be read without the system's spec.
create table call_budget (
  system text not null,
  scope_key text not null,
  window_name text not null,
  bucket bigint not null,
  tenant text not null,
  used integer not null,
  budget integer not null,
  window_ms bigint not null,
  bucket_ms bigint not null,
  rolling boolean not null,
  primary key (system, scope_key, window_name, bucket, tenant)
);

-- Who asked for a window lately (fair share counts the organisations active in it) and whether
-- one of them waits with a call that goes ahead of bulk work (payments back, webhook follow-ups).
create table call_budget_active (
  system text not null,
  scope_key text not null,
  window_name text not null,
  tenant text not null,
  last_asked bigint not null,
  interactive_until bigint not null default 0,
  primary key (system, scope_key, window_name, tenant)
);

-- Reserves one call under every window given, all or none, in one statement: each window's
-- advisory lock is taken (in a fixed order, so two callers never deadlock) before it is counted,
-- so two processes together never exceed a budget. Arrays are parallel, one entry per window.
-- Returns granted, or the window that refused (1-based), when to ask again (ms since the epoch)
-- and why: 'window' (its budget is used up), 'reserve' (bulk work leaves the last few calls of a
-- parking window to interactive work), 'priority' (an interactive call waits for this window),
-- 'share' (this tenant has its fair share of what the app window has left while others ask).
-- An interactive caller refused marks the window until it asks again (a second after its retry
-- time) when that is within two minutes (a minute window); for a longer wait (a parked hour or
-- day) the mark lapses within seconds, so bulk work never waits for a caller that went away.
create function mlc_reserve_call(
  p_system text, p_tenant text, p_interactive boolean, p_now bigint,
  p_keys text[], p_windows text[], p_budgets integer[], p_window_ms bigint[], p_bucket_ms bigint[],
  p_rolling boolean[], p_fair boolean[], p_reserve integer[], p_active_ms bigint
) returns table (granted boolean, blocked integer, retry_at bigint, reason text)
language plpgsql as $$
declare
  n integer := coalesce(array_length(p_keys, 1), 0);
  i integer;
  lock_key text;
  cur bigint;
  lookback bigint;
  total integer;
  mine integer;
  oldest bigint;
  others integer;
  uses integer[];
  spent integer;
  sharers integer;
  avail bigint;
  waiting bigint;
  b_index integer := 0;
  b_retry bigint := 0;
  b_reason text := null;
  w_retry bigint;
  w_reason text;
begin
  for lock_key in
    select distinct p_system || chr(31) || kw.key_name || chr(31) || kw.win_name from unnest(p_keys, p_windows) as kw(key_name, win_name) order by 1
  loop
    perform pg_advisory_xact_lock(hashtextextended(lock_key, 0));
  end loop;

  for i in 1 .. n loop
    cur := (p_now / p_bucket_ms[i]) * p_bucket_ms[i];
    lookback := case when p_rolling[i] then p_window_ms[i] + p_bucket_ms[i] else p_window_ms[i] end;
    select coalesce(sum(used), 0)::integer, coalesce(sum(used) filter (where tenant = p_tenant), 0)::integer, min(bucket)
      into total, mine, oldest
      from call_budget
     where system = p_system and scope_key = p_keys[i] and window_name = p_windows[i] and bucket > cur - lookback;
    w_reason := null;
    w_retry := case when p_rolling[i] then coalesce(oldest, cur) + lookback else cur + p_window_ms[i] end;
    if total >= p_budgets[i] then
      w_reason := 'window';
    elsif not p_interactive then
      if p_reserve[i] > 0 and total >= p_budgets[i] - p_reserve[i] then
        w_reason := 'reserve';
      else
        select max(interactive_until) into waiting from call_budget_active
         where system = p_system and scope_key = p_keys[i] and window_name = p_windows[i] and interactive_until > p_now;
        if waiting is not null then
          w_reason := 'priority';
          w_retry := least(waiting, p_now + 1000);
        elsif p_fair[i] then
          select count(*)::integer into others from call_budget_active a
           where a.system = p_system and a.scope_key = p_keys[i] and a.window_name = p_windows[i]
             and a.tenant <> p_tenant and a.last_asked > p_now - p_active_ms;
          if others > 0 then
            -- Water-filling over the tenants asking (this one included): what the window has left
            -- plus what they have spent is theirs to share; a tenant that already spent more than an
            -- equal part keeps it but gets no more, and the rest is shared among the others.
            select array_agg(x.used_here order by x.used_here desc) into uses from (
              select (select coalesce(sum(c.used), 0) from call_budget c
                       where c.system = p_system and c.scope_key = p_keys[i] and c.window_name = p_windows[i]
                         and c.bucket > cur - lookback and c.tenant = t.tenant)::integer as used_here
                from (select a.tenant from call_budget_active a
                       where a.system = p_system and a.scope_key = p_keys[i] and a.window_name = p_windows[i]
                         and a.tenant <> p_tenant and a.last_asked > p_now - p_active_ms
                      union select p_tenant) t) x;
            avail := p_budgets[i] - total;
            foreach spent in array uses loop
              avail := avail + spent;
            end loop;
            sharers := array_length(uses, 1);
            foreach spent in array uses loop
              exit when spent::bigint * sharers <= avail;
              avail := avail - spent;
              sharers := sharers - 1;
            end loop;
            if sharers = 0 or mine::bigint * sharers >= avail then
              w_reason := 'share';
              w_retry := p_now + 1000;
            end if;
          end if;
        end if;
      end if;
    end if;
    if p_fair[i] or p_interactive then
      insert into call_budget_active as a (system, scope_key, window_name, tenant, last_asked, interactive_until)
      values (p_system, p_keys[i], p_windows[i], p_tenant, p_now, case when p_interactive and w_reason is not null then (case when w_retry - p_now <= 120000 then w_retry else p_now + 5000 end) + 1000 else 0 end)
      on conflict (system, scope_key, window_name, tenant) do update
        set last_asked = excluded.last_asked,
            interactive_until = case when p_interactive then excluded.interactive_until else a.interactive_until end
        where a.last_asked < p_now - 1000 or p_interactive;
    end if;
    if w_reason is not null and (b_reason is null or w_retry > b_retry) then
      b_index := i;
      b_retry := w_retry;
      b_reason := w_reason;
    end if;
  end loop;

  if b_reason is not null then
    return query select false, b_index, b_retry, b_reason;
    return;
  end if;

  for i in 1 .. n loop
    cur := (p_now / p_bucket_ms[i]) * p_bucket_ms[i];
    insert into call_budget as c (system, scope_key, window_name, bucket, tenant, used, budget, window_ms, bucket_ms, rolling)
    values (p_system, p_keys[i], p_windows[i], cur, p_tenant, 1, p_budgets[i], p_window_ms[i], p_bucket_ms[i], p_rolling[i])
    on conflict (system, scope_key, window_name, bucket, tenant) do update set used = c.used + 1, budget = excluded.budget;
  end loop;
  -- Buckets that left their window: dropped now and then rather than on every call.
  if random() < 0.01 then
    delete from call_budget
     where system = p_system and scope_key = any (p_keys) and bucket < p_now - 2 * (window_ms + bucket_ms);
  end if;
  return query select true, 0, 0::bigint, null::text;
end
$$;
