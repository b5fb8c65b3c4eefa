/**
 * Every value map a pair declares names a setting of that pair which holds an object of strings,
 * so what the CLI, the API and the dashboard write through it is what the pair's steps read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairDefinitions, parsePairSettings } from '../../src/pairs/index.ts';
import { valueMapsOf } from '../../src/pairs/value-maps.ts';
import type { PairId } from '../../src/model/link.ts';

test('every value map is a setting of its pair holding source value → target value', () => {
  const declared = Object.keys(pairDefinitions).flatMap((pair) => valueMapsOf({ name: 'l', pair: pair as PairId }).map((m) => ({ pair: pair as PairId, m })));
  assert.ok(declared.some((d) => d.pair === 'acumatica-bill' && d.m.setting === 'subaccountDepartments'), 'Acumatica ⇄ BILL keeps its subaccount map');
  for (const { pair, m } of declared) {
    assert.ok(m.from && m.to && m.note, `${pair} ${m.setting} says what it maps`);
    const parsed = parsePairSettings({ name: 'l', pair }, { [m.setting]: { A1: 'Target one' } });
    assert.ok(parsed.ok, `${pair}: ${m.setting} takes a map (${parsed.ok ? '' : parsed.problem.message})`);
    assert.deepEqual((parsed.settings as Record<string, unknown>)[m.setting], { A1: 'Target one' });
    assert.equal(parsePairSettings({ name: 'l', pair }, { [m.setting]: { A1: 7 } }).ok, false, `${pair}: ${m.setting} refuses a value that is not text`);
  }
});
