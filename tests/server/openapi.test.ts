/**
 * /api/openapi.json is generated from the same zod schemas that validate requests: it must be a
 * valid OpenAPI 3.1 document (checked against the OpenAPI Initiative's schema, fixtures/SOURCE.md),
 * every schema in it must compile as JSON Schema, and it must list every API route the server has.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { forEachBackend } from '../helpers/db.ts';
import { testToken } from './server-fixture.ts';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
// The OAS schema points at the schema-object definition through $dynamicRef "#meta" (so dialects
// can extend it); Ajv applies the enclosing unevaluatedProperties through that reference, so it is
// pointed at the same definition with a plain $ref, which means the same with the default dialect.
const oasSchema = JSON.parse(
  readFileSync(new URL('./fixtures/oas-3.1-schema.json', import.meta.url), 'utf8').replace(/\{\s*"\$dynamicRef":\s*"#meta"\s*\}/g, '{"$ref":"#/$defs/schema"}'),
) as Record<string, unknown>;

type Json = any;

forEachBackend('server OpenAPI document', (backend) => {
  let server: RunningServer;
  let doc: Json;

  before(async () => {
    const box = await openSecretBox({ dataDir: backend.dataDir, masterKey: randomBytes(32).toString('hex') });
    const db = backend.db;
    const rt: Runtime = { db, box, log: silentLogger, dataDir: backend.dataDir, deps: engineDeps({ db, box, log: silentLogger }), close: async () => undefined };
    server = await startServer(rt, { role: 'web', port: 0, apiToken: testToken, ...(backend.kind === 'pglite' ? { role: 'all' } : {}) });
    const res = await fetch(`${server.url}/api/openapi.json`, { headers: { authorization: `Bearer ${testToken}` } });
    assert.equal(res.status, 200);
    doc = await res.json();
  });
  after(() => server?.stop());

  test('is a valid OpenAPI 3.1 document with bearer security', () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addFormat('media-range', true); // the OAS schema's own format for content types; not checked here
    const validate = ajv.compile(oasSchema);
    const valid: boolean = validate(doc);
    assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const { info: _info, ...withoutInfo } = doc;
    assert.equal(validate(withoutInfo), false, 'the validator rejects a document without info');
    assert.equal(validate({ ...doc, paths: { '/api/links': { get: { responses: { 200: { content: { 'application/json': { schema: 1 } } } } } } } }), false, 'and a schema that is not one');
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description });
  });

  test('every schema in it compiles as JSON Schema', () => {
    const ajv = addFormats(new Ajv2020({ strict: false }));
    let count = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item as Record<string, Json>)) {
        const schemas = [
          ...(op.parameters ?? []).map((p: Json) => p.schema),
          ...Object.values(op.requestBody?.content ?? {}).map((c: Json) => c.schema),
          ...Object.values(op.responses ?? {}).flatMap((r: Json) => Object.values(r.content ?? {}).map((c: Json) => c.schema)),
        ];
        for (const schema of schemas) {
          assert.doesNotThrow(() => ajv.compile({ ...schema, $defs: { ...doc.components?.schemas } }), `${method} ${path}`);
          count += 1;
        }
      }
    }
    assert.ok(count >= 30, `checked ${count} schemas`);
  });

  test('lists every API route, and only API routes', () => {
    const documented = new Set(Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
    const served = new Set(
      server.routes
        .filter((r) => r.url.startsWith('/api/') && r.url !== '/api/openapi.json' && r.method !== 'HEAD' && !r.url.includes('*'))
        .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    );
    assert.ok(served.size >= 14, `${served.size} API routes`);
    assert.deepEqual([...documented].sort(), [...served].sort());
    for (const expected of ['POST /api/links/{name}/sync', 'POST /api/links/{name}/replay', 'POST /api/links/{name}/skip', 'GET /api/records/{id}/audit', 'GET /api/links/{name}/reconcile', 'GET /api/dead-letters']) {
      assert.ok(documented.has(expected), expected);
    }
  });

  test('query parameters and request bodies carry their constraints', () => {
    const records = doc.paths['/api/records'].get;
    const status = records.parameters.find((p: Json) => p.name === 'status' && p.in === 'query');
    assert.deepEqual(status.schema.enum, ['pending', 'synced', 'skipped', 'failed', 'conflict']);
    const body = doc.paths['/api/links/{name}'].patch.requestBody.content['application/json'].schema;
    assert.equal(body.additionalProperties, false, 'unknown top-level fields are refused');
    // Settings are each pair's own (validated by the pair's schema when saved, tests/server/api.test.ts); the document says so.
    assert.equal(body.properties.settings.type, 'object');
    assert.match(body.properties.settings.description, /pollCron.*pair/);
  });
});
