import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

/**
 * Plan files that are valid YAML or JSON but odd: options that refer to themselves through a YAML
 * alias, options and variables nested thousands of levels deep. Each is a 400 that names the field,
 * in YAML and in JSON alike, and nothing of the file is stored.
 */

/**
 * `{"a":{"a":…1…}}` nested `depth` mappings deep, as JSON text: V8's own JSON.stringify runs out of
 * stack on such an object (5,000 levels in a test worker), so the text is written by hand.
 */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** The same in YAML flow style, and in block style (a compact sequence, two characters a level). */
const deepFlow = (depth: number) => `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
const deepBlockSeq = (depth: number) => `\n${' '.repeat(6)}${'- '.repeat(depth)}1`;

type Doc = { yaml: string } | { json: string };
const planYaml = (options: string): Doc => ({
  yaml: `environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    environments: [e]\n    options: ${options}\n`,
});
const planJson = (options: string): Doc => ({
  json: `{"environments":{"e":{}},"plans":{"p":{"framework":"command","environments":["e"],"options":${options}}}}`,
});
const envYaml = (variables: string): Doc => ({ yaml: `environments:\n  v:\n    variables: ${variables}\n` });

describeEachDialect('odd plan documents', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s?.close());

  async function send(method: string, path: string, doc: Doc) {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'yaml' in doc ? 'application/yaml' : 'application/json',
      },
      body: 'yaml' in doc ? doc.yaml : doc.json,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** Sends a document, expects a 400 whose message holds `expected`, and checks nothing was stored. */
  async function refused(method: string, path: string, doc: Doc, expected: string): Promise<void> {
    const r = await send(method, path, doc);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.message).toContain(expected);
    expect((await s.api('GET', '/api/v1/plans/p')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/environments/v')).status).toBe(404);
  }

  it('refuses options that refer to themselves through a YAML alias, naming where', async () => {
    await refused(
      'POST',
      '/api/v1/apply',
      planYaml('&o\n      x: *o'),
      'plans.p.options.x: refers to itself through a YAML alias',
    );
    await refused(
      'POST',
      '/api/v1/apply',
      planYaml('&o\n      list: [1, [2, *o]]'),
      'plans.p.options.list[1][1]: refers to itself through a YAML alias',
    );
    await refused(
      'POST',
      '/api/v1/apply',
      envYaml('&v\n      A: *v'),
      'environments.v.variables.A: refers to itself through a YAML alias',
    );
    // An alias of a node that is not its own ancestor is an ordinary shared value.
    const shared = await send(
      'POST',
      '/api/v1/apply?dry_run=true',
      planYaml('\n      command: "true"\n      discover: &x [checks/*.sh]\n      artifacts: *x'),
    );
    expect(shared.status, JSON.stringify(shared.body)).toBe(200);
  });

  it('refuses options and variables nested 5,000 deep, from YAML (flow and block) and JSON', async () => {
    const deep = 'nested deeper than 32 levels';
    await refused('POST', '/api/v1/apply', planYaml(deepFlow(5000)), `plans.p.options: ${deep}`);
    await refused('POST', '/api/v1/apply', planYaml(`\n      x:${deepBlockSeq(5000)}`), `plans.p.options: ${deep}`);
    await refused('POST', '/api/v1/apply', planJson(deepJson(5000)), `plans.p.options: ${deep}`);
    await refused('POST', '/api/v1/apply', envYaml(deepFlow(5000)), `environments.v.variables: ${deep}`);
    await refused(
      'POST',
      '/api/v1/apply',
      { json: `{"environments":{"v":{"variables":${deepJson(5000)}}}}` },
      `environments.v.variables: ${deep}`,
    );
    await refused(
      'PUT',
      '/api/v1/plans/p',
      { json: `{"framework":"command","environments":["e"],"options":${deepJson(5000)}}` },
      `plans.p.options: ${deep}`,
    );
    await refused(
      'PUT',
      '/api/v1/environments/v',
      { json: `{"variables":${deepJson(5000)}}` },
      `environments.v.variables: ${deep}`,
    );
    // Every field that nests too deeply is named at once.
    const both: Doc = {
      yaml: `environments:\n  v:\n    variables: ${deepFlow(5000)}\nplans:\n  p:\n    framework: command\n    environments: [v]\n    options: ${deepFlow(5000)}\n`,
    };
    await refused('POST', '/api/v1/apply', both, `environments.v.variables: ${deep}\nplans.p.options: ${deep}`);
    // 100,000 levels: beyond what the YAML library composes, still a problem of the field.
    await refused(
      'POST',
      '/api/v1/apply',
      planYaml(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      `plans.p.options: ${deep}`,
    );
  });

  it('draws the line at 32 levels and at 10,000 values, the same in YAML and JSON', async () => {
    await refused('POST', '/api/v1/apply', planJson(deepJson(33)), 'plans.p.options: nested deeper than 32 levels');
    await refused('POST', '/api/v1/apply', planYaml(deepFlow(33)), 'plans.p.options: nested deeper than 32 levels');
    const globs = (n: number) =>
      JSON.stringify({
        command: 'true',
        discover: '*.sh',
        artifacts: Array.from({ length: n }, (_, i) => `shots/${i}.png`),
      });
    await refused('POST', '/api/v1/apply', planJson(globs(9_997)), 'plans.p.options: holds more than 10000 values');
    // Within the limits a value is judged as the option it is: no option of the command adapter nests.
    for (const doc of [planJson(deepJson(32)), planYaml(deepFlow(32))]) {
      const r = await send('POST', '/api/v1/apply?dry_run=true', doc);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('plans.p.options.a: unknown option of command');
      expect(r.body.error.message).not.toContain('nested deeper');
    }
    // A plan at the limit (the mapping, three options and 9,996 globs) is stored and read back whole.
    expect((await send('POST', '/api/v1/apply', planJson(globs(9_996)))).status).toBe(200);
    const stored = (await s.api('GET', '/api/v1/plans/p')).body;
    expect(JSON.stringify(stored.definition.options)).toBe(globs(9_996));
  });
});
