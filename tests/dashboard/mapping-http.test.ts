/**
 * The mapping page and API of an Acumatica ⇄ BILL link over real HTTP against both emulators,
 * through `ml-connector serve` (startServer): the GL accounts as matched in BILL, the subaccount →
 * BILL department map with suggestions read live and nothing saved by reading, the confirm form
 * behind the session's CSRF token and the origin check, the entries saved into the link's settings
 * and used by the next sync (BILL bill lines carry the departments), and
 * GET /api/links/{name}/mapping-suggestions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syncLink } from '../../src/engine/sync.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { openAcumaticaDashboard, type AcumaticaDashboard } from './acumatica-fixture.ts';

type Json = Record<string, any>;

describe('mapping page and API (Acumatica ⇄ BILL)', () => {
  let fx: AcumaticaDashboard;
  const session = { cookie: '', csrf: '' };

  const get = (path: string) => fetch(`${fx.url}${path}`, { headers: { cookie: session.cookie }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${fx.url}${path}`, { method: 'POST', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  const storedMap = () => fx.storedMap();
  /** The page's chooser per subaccount: the option preselected, as a person's browser would submit it. */
  const choosers = (page: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const m of page.matchAll(/<select id="[^"]+" name="entry\.([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      out[`entry.${m[1]}`] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '';
    }
    return out;
  };

  before(async () => {
    fx = await openAcumaticaDashboard(5);
    const login = await fetch(`${fx.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: fx.apiToken, next: '/' }).toString(), redirect: 'manual' });
    assert.equal(login.status, 303);
    session.cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    session.csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get('/mapping')).text())?.[1] ?? '';
    assert.ok(session.csrf, 'the mapping page carries the session CSRF token in its form');
  });
  after(async () => {
    await fx?.close();
  });

  test('the page shows the GL matching and the suggested subaccount map, and reading it saves nothing', async () => {
    const res = await get('/mapping?link=acu');
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /<a href="\/mapping" aria-current="page">Mapping<\/a>/);
    assert.match(page, /<strong>\d+<\/strong> of \d+ Acumatica accounts that bills post to have a BILL account/);
    assert.match(page, /<h2 id="map-subaccountDepartments-title">Acumatica subaccount → BILL department<\/h2>/);
    const chosen = choosers(page);
    assert.equal(Object.keys(chosen).length, 15, 'every seeded subaccount (5 departments × 3 locations) has a row');
    // The sandbox describes subaccounts per segment ("Sales - Headquarters"); BILL has Sales, Operations, Engineering, Marketing.
    assert.equal(chosen['entry.200010'], 'Sales');
    assert.equal(chosen['entry.400020'], 'Engineering');
    assert.equal(chosen['entry.000000'], '', 'Default has no BILL department to suggest');
    assert.match(page, /200010 Sales - Headquarters<\/th>[\s\S]*?Suggested by first segment name/);
    assert.match(page, /000000 Default - Company-wide<\/th>[\s\S]*?No candidate/);
    assert.deepEqual(await storedMap(), {}, 'nothing is applied until a person confirms');
    assert.equal((fx.emulators.acumatica!.dump() as Json).liveSessions, 0, 'the page signed its Acumatica session out');
  });

  test('the confirm form is refused without the CSRF token or from another site, saving nothing', async () => {
    const form = { link: 'acu', setting: 'subaccountDepartments', 'entry.200010': 'Sales' };
    const noToken = await post('/mapping', form);
    assert.equal(noToken.status, 403);
    const foreign = await post('/mapping', { ...form, _csrf: session.csrf }, { origin: 'https://elsewhere.example' });
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /Cross-site form posts are refused/);
    assert.deepEqual(await storedMap(), {});
  });

  test('confirming saves the chosen entries; the next sync puts each line on its department in BILL', async () => {
    const chosen = choosers(await (await get('/mapping?link=acu')).text());
    // The person accepts the suggestions and picks a department for the subaccounts that had none.
    for (const [name, value] of Object.entries(chosen)) if (value === '') chosen[name] = 'Marketing';
    const saved = await post('/mapping', { ...chosen, link: 'acu', setting: 'subaccountDepartments', _csrf: session.csrf });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.get('location'), '/mapping?link=acu&notice=saved');
    const map = await storedMap();
    assert.equal(Object.keys(map).length, 15);
    assert.deepEqual([map['200010'], map['300000'], map['000000']], ['Sales', 'Operations', 'Marketing']);
    const after = await (await get('/mapping?link=acu&notice=saved')).text();
    assert.match(after, /The mapping is saved/);
    assert.match(after, /200010 Sales - Headquarters<\/th>[\s\S]*?<td data-label="Status">Mapped<\/td>/);
    assert.equal((await post('/mapping', { ...chosen, link: 'acu', setting: 'subaccountDepartments', _csrf: session.csrf })).headers.get('location'), '/mapping?link=acu&notice=unchanged');

    const run = await syncLink(fx.rt.deps, (await getLink(fx.rt.db, 'acu'))!);
    assert.equal(run.error, null, JSON.stringify(run.error));
    assert.ok((run.counts['bill.create'] ?? 0) >= 1, JSON.stringify(run.counts));
    assert.equal(run.counts['bill.fail'] ?? 0, 0, 'no line is on an unmapped subaccount');
    const dump = fx.emulators.bill!.dump() as Json;
    const org = dump.organizations?.[0] ?? dump;
    const departmentName = new Map<string, string>((org.departments as Json[]).map((d) => [d.id, d.name]));
    const lines = (org.bills as Json[]).flatMap((b) => b.billLineItems as Json[]);
    assert.ok(lines.length > 0 && lines.every((l) => departmentName.has(l.classifications?.departmentId)), 'every BILL line carries a department of the map');
  });

  test('a blank choice removes an entry; an entry no subaccount uses is named and removed alone; a bad entry or a map the pair does not keep saves nothing', async () => {
    const removed = await post('/mapping', { link: 'acu', setting: 'subaccountDepartments', 'entry.000000': '', _csrf: session.csrf });
    assert.equal(removed.status, 303);
    assert.equal((await storedMap())['000000'], undefined);
    assert.equal(Object.keys(await storedMap()).length, 14, 'entries left out of the form are kept');
    // A key typed with its segment separator is saved, but no line uses it: the page names it and removes it alone.
    await post('/mapping', { link: 'acu', setting: 'subaccountDepartments', 'entry.000-000': 'Sales', _csrf: session.csrf });
    const stale = await (await get('/mapping?link=acu')).text();
    assert.match(stale, /<h3>Entries no Acumatica subaccount uses<\/h3>[\s\S]*<code>000-000<\/code> → Sales/);
    const dropped = await post('/mapping', { link: 'acu', setting: 'subaccountDepartments', 'entry.000-000': '', _csrf: session.csrf });
    assert.equal(dropped.status, 303);
    assert.equal((await storedMap())['000-000'], undefined);
    assert.equal(Object.keys(await storedMap()).length, 14);
    const refused = await post('/mapping', { link: 'acu', setting: 'subaccountDepartments', 'entry.': 'Sales', _csrf: session.csrf });
    assert.equal(refused.status, 400, 'an entry without a subaccount code is refused by the settings schema');
    assert.match(await refused.text(), /Nothing was saved: subaccountDepartments\.?: /);
    assert.equal(Object.keys(await storedMap()).length, 14);
    const unknownMap = await post('/mapping', { link: 'acu', setting: 'cashAccount', 'entry.x': 'y', _csrf: session.csrf });
    assert.equal(unknownMap.headers.get('location'), '/mapping?notice=unknown-link');
    assert.equal(((await getLink(fx.rt.db, 'acu'))!.settings as Json).cashAccount, '10100');
  });

  test('GET /api/links/{name}/mapping-suggestions proposes from both systems and shows what is mapped', async () => {
    const api = (path: string, token = fx.apiToken) => fetch(`${fx.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await api('/links/acu/mapping-suggestions', 'wrong-token')).status, 401);
    assert.equal((await api('/links/nope/mapping-suggestions')).status, 404);
    const res = await api('/links/acu/mapping-suggestions');
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body.link, 'acu');
    const map = (body.maps as Json[])[0]!;
    assert.equal(map.setting, 'subaccountDepartments');
    assert.deepEqual(map.targets.map((t: Json) => t.value).sort(), ['Engineering', 'Marketing', 'Operations', 'Sales']);
    const row = (value: string) => (map.rows as Json[]).find((r) => r.value === value)!;
    assert.deepEqual([row('200010').current, row('200010').suggestion], ['Sales', null], 'a mapped subaccount gets no suggestion');
    assert.deepEqual([row('000000').current, row('000000').suggestion, row('000000').ambiguous], [null, null, []], 'the entry removed above is unmapped again, with no candidate');
    assert.deepEqual(map.stale, []);
  });
});
