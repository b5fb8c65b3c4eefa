import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { erpSystemIds, systemIds } from '../../src/model/types.ts';
import { pairIds } from '../../src/model/link.ts';

/**
 * The SQL check constraints on system and pair columns cannot import `systemIds` (src/model/types.ts)
 * or `pairIds` (src/model/link.ts), so this reads them back from the migrated schema and holds them
 * to those lists: adding an id in one place and not the other fails here instead of at the first insert.
 */
forEachBackend('system id check constraints', (b) => {
  test('allow exactly the system and pair ids the code defines', async () => {
    const { rows } = await b.db.query<{ table_name: string; column_name: string; definition: string }>(
      `select c.conrelid::regclass::text as table_name, a.attname as column_name, pg_get_constraintdef(c.oid) as definition
         from pg_constraint c
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
        where c.contype = 'c' and c.connamespace = 'public'::regnamespace
          and (a.attname in ('system', 'pair') or a.attname like '%\\_system')
        order by 1, 2`,
    );
    // PostgreSQL renders `x in ('a', 'b')` as `CHECK ((x = ANY (ARRAY['a'::text, 'b'::text])))`.
    const allowed = Object.fromEntries(rows.map((r) => [`${r.table_name}.${r.column_name}`, [...r.definition.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort()]));
    assert.deepEqual(allowed, {
      'connections.system': [...systemIds].sort(),
      'links.erp_system': [...erpSystemIds].sort(),
      'links.pair': [...pairIds].sort(),
    });
  });
});
