-- Links carry their pair, and a link's tenants are pinned once it has synced (version 4).

-- The pair a link runs. The list mirrors pairIds in src/model/link.ts (the check constraint cannot
-- import it; tests/store/system-ids.test.ts holds the two together). Links made before pairs were
-- data get the pair their ERP forms with BILL.
alter table links add column pair text;
update links set pair = case erp_system
  when 'xero' then 'xero-bill'
  when 'acumatica' then 'acumatica-bill'
  when 'qbo' then 'bill-qbo'
end;
alter table links alter column pair set not null;
alter table links add constraint links_pair_check check (pair in ('xero-bill', 'acumatica-bill', 'bill-qbo'));

-- The ERP tenant and BILL organisation a link synced with. The id map, cursors and records of a
-- link hold ids of these two tenants only, so once set they never change: a link pointed at
-- another tenant would otherwise reuse the first tenant's mappings. Null until the first run.
alter table links add column erp_tenant_id text;
alter table links add column bill_org_id text;

-- A link that synced before this version is pinned to the tenants its connections reach now.
update links l set erp_tenant_id = e.tenant_id, bill_org_id = b.tenant_id
  from connections e, connections b
 where e.id = l.erp_connection_id and b.id = l.bill_connection_id
   and e.tenant_id is not null and b.tenant_id is not null
   and (exists (select 1 from runs r where r.link = l.name and not r.dry_run)
        or exists (select 1 from id_map m where m.link = l.name));
