import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * An Idempotency-Key is the API key's own: two callers of one project that send the same key get
 * a run each, and neither answer names the other's run.
 */
describeEachDialect('idempotency keys per API key', (dialect) => {
  let s: TestServer;
  const keys: Record<'alice' | 'aliceCi' | 'bob', string> = { alice: '', aliceCi: '', bob: '' };
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'project: shop\nenvironments:\n  e: {}\nplans:\n  checkout:\n    framework: command\n    environments: [e]\n',
    );
    const mk = async (name: string, user: string) =>
      (await s.api('POST', '/api/v1/keys', { name, user, authorities: ['PLAN_READ', 'PLAN_RUN'], projects: ['shop'] }))
        .body.token as string;
    keys.alice = await mk('alice-laptop', 'alice');
    keys.aliceCi = await mk('alice-ci', 'alice');
    keys.bob = await mk('bob-laptop', 'bob');
  });
  afterAll(() => s?.close());

  const trigger = (who: keyof typeof keys, key: string, body: Record<string, unknown>) =>
    s.api('POST', '/api/v1/plans/checkout/runs', body, { token: keys[who], headers: { 'idempotency-key': key } });
  const text = (r: { body: unknown }) => JSON.stringify(r.body);

  it("gives another caller with the same key a run of its own, and never the first caller's", async () => {
    const key = `deploy-${dialect}`;
    const first = await trigger('alice', key, { build: '1' });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const run = first.body as { id: number; uuid: string };

    // Bob's body differs from Alice's: no 422, which would name her run.
    const bob = await trigger('bob', key, { build: '2' });
    expect(bob.status, text(bob)).toBe(202);
    expect(bob.headers.get('idempotent-replayed')).toBeNull();
    expect(bob.body.id).not.toBe(run.id);
    expect(text(bob)).not.toContain(run.uuid);
    // Bob's retry replays Bob's run.
    const bobAgain = await trigger('bob', key, { build: '2' });
    expect(bobAgain.body.id).toBe(bob.body.id);
    expect(bobAgain.headers.get('idempotent-replayed')).toBe('true');

    // Alice's retry is hers; another body from her is refused, naming only her own run.
    const retry = await trigger('alice', key, { build: '1' });
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(run.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const reused = await trigger('alice', key, { build: '3' });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { run_id: run.id } });
    expect(text(reused)).not.toContain(String(bob.body.uuid));

    // The scope is the API key, not the user: Alice's CI key is another caller.
    const ci = await trigger('aliceCi', key, { build: '1' });
    expect(ci.status).toBe(202);
    expect(ci.body.id).not.toBe(run.id);
    expect(ci.body.id).not.toBe(bob.body.id);
  });

  it('makes exactly one run per caller for concurrent triggers with one key', async () => {
    const key = `race-${dialect}`;
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => trigger(i % 2 === 0 ? 'alice' : 'bob', key, { build: 'race' })),
    );
    expect(
      replies.every((r) => r.status === 202),
      replies.map(text).join('\n').slice(0, 500),
    ).toBe(true);
    const alice = new Set(replies.filter((_, i) => i % 2 === 0).map((r) => r.body.id));
    const bob = new Set(replies.filter((_, i) => i % 2 === 1).map((r) => r.body.id));
    expect(alice.size).toBe(1);
    expect(bob.size).toBe(1);
    expect([...alice][0]).not.toBe([...bob][0]);
    const listed = (await s.api('GET', '/api/v1/runs?plan=checkout&build=race')).body.items;
    expect(listed).toHaveLength(2);
  });
});
