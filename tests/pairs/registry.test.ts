import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairDefinitions } from '../../src/pairs/index.ts';
import { stepOrder } from '../../src/engine/sync.ts';
import { pairIds } from '../../src/model/link.ts';
import { systemSpecs } from '../../src/systems/registry.ts';

const pairs = Object.values(pairDefinitions);

test('every registered pair is a known pair id joining two registered systems', () => {
  assert.ok(pairs.length >= 1);
  for (const [id, pair] of Object.entries(pairDefinitions)) {
    assert.ok(pair, id);
    assert.equal(pair.id, id);
    assert.ok((pairIds as readonly string[]).includes(pair.id), `${pair.id} is in pairIds`);
    assert.ok(systemSpecs[pair.erp], `${pair.id}: its ledger ${pair.erp} is registered`);
    assert.ok(systemSpecs[pair.hub], `${pair.id}: its payables system ${pair.hub} is registered`);
    assert.notEqual(pair.erp, pair.hub);
  }
});

test('every step reads and writes across the link, names a planner and a match key, and depends only on steps of its pair', () => {
  for (const pair of pairs) {
    const entities = new Set(pair!.steps.map((s) => s.entity));
    assert.equal(entities.size, pair!.steps.length, `${pair!.id}: one step per source entity (the id map is keyed by it)`);
    const streams = new Set(pair!.steps.map((s) => s.stream));
    assert.equal(streams.size, pair!.steps.length, `${pair!.id}: one cursor stream per step`);
    for (const step of pair!.steps) {
      assert.notEqual(step.from, step.to, `${pair!.id} ${step.entity}: from and to are different sides`);
      assert.equal(typeof step.planner, 'function');
      assert.equal(typeof step.matchKey, 'function');
      for (const d of step.dependsOn) assert.ok(entities.has(d), `${pair!.id} ${step.entity} depends on ${d}, a step of the pair`);
    }
    // Throws on a cycle; every step comes after the ones it depends on.
    const order = stepOrder(pair!).map((s) => s.entity);
    for (const step of pair!.steps) for (const d of step.dependsOn) assert.ok(order.indexOf(d) < order.indexOf(step.entity));
    for (const t of pair!.triggers) assert.ok(entities.has(t.step), `${pair!.id}: trigger ${t.side}.${t.entity} re-reads a step of the pair`);
  }
});

test('a pair whose steps depend on each other in a circle is refused, naming the pair', () => {
  const pair = pairs[0]!;
  const circular = { ...pair, steps: pair.steps.map((s) => ({ ...s, dependsOn: pair.steps.filter((o) => o !== s).map((o) => o.entity) })) };
  assert.throws(() => stepOrder(circular), new RegExp(`pair '${pair.id}' has steps that depend on each other`));
});
