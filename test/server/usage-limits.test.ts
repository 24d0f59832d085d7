import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { describeEachDialect } from '../support/dialects.js';
import { startTestServer, type TestServer } from '../support/server.js';

describeEachDialect('usage limits per API key', (dialect) => {
  let s: TestServer;
  let now = Date.now();
  beforeAll(async () => {
    s = await startTestServer(dialect, { start: { clock: () => now } });
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    environments: [e]\n',
    );
  });
  afterAll(() => s?.close());

  const key = async (body: object) => {
    const r = await s.api('POST', '/api/v1/keys', { authorities: ['PLAN_READ', 'PLAN_RUN'], ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { key: { rate_limit_per_minute: number | null; max_active_runs: number | null }; token: string };
  };

  it('answers 429 with Retry-After once a key exceeds its requests per minute, and lets it go on when the bucket refills', async () => {
    const { key: view, token } = await key({ name: 'rpm', rate_limit_per_minute: 3 });
    expect(view).toMatchObject({ rate_limit_per_minute: 3, max_active_runs: null });
    for (let i = 0; i < 3; i++) expect((await s.api('GET', '/api/v1/me', undefined, { token })).status).toBe(200);
    const limited = await s.api('GET', '/api/v1/runs', undefined, { token });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'rate_limit_per_minute', retry_after_s: 20 },
    });
    expect(limited.headers.get('retry-after')).toBe('20');
    // Other keys have their own buckets.
    expect((await s.api('GET', '/api/v1/me')).status).toBe(200);
    now += 19_000;
    expect((await s.api('GET', '/api/v1/me', undefined, { token })).headers.get('retry-after')).toBe('1');
    now += 1_000;
    expect((await s.api('GET', '/api/v1/me', undefined, { token })).status).toBe(200);
  });

  it('answers 429 with Retry-After when a key already has its maximum of active runs', async () => {
    const { token } = await key({ name: 'active', max_active_runs: 2 });
    const trigger = () => s.api('POST', '/api/v1/plans/p/runs', {}, { token });
    const first = await trigger();
    expect(first.status).toBe(202);
    expect((await trigger()).status).toBe(202);
    const limited = await trigger();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'max_active_runs', max_active_runs: 2 },
    });
    // Runs of other keys do not count, and an ended run frees its place.
    expect((await s.api('POST', '/api/v1/plans/p/runs', {})).status).toBe(202);
    expect((await s.api('POST', `/api/v1/runs/${first.body.id}/cancel`, undefined, { token })).status).toBe(200);
    expect((await trigger()).status).toBe(202);
    expect((await trigger()).status).toBe(429);
  });

  it('takes unlimited (0) for a key and refuses negative limits', async () => {
    expect((await key({ name: 'free', rate_limit_per_minute: 0, max_active_runs: 0 })).key).toMatchObject({
      rate_limit_per_minute: 0,
      max_active_runs: 0,
    });
    expect(
      (await s.api('POST', '/api/v1/keys', { name: 'bad', authorities: ['PLAN_READ'], rate_limit_per_minute: -1 }))
        .status,
    ).toBe(400);
  });
});

it('reads server-wide defaults and reports invalid ones at start-up', () => {
  const cfg = loadConfig({
    env: {
      PROCTOR_KEY_RATE_LIMIT: '600',
      PROCTOR_KEY_MAX_ACTIVE_RUNS: '5',
      PROCTOR_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8, ::1',
    },
    flags: {},
  });
  expect(cfg).toMatchObject({
    keyRateLimitPerMinute: 600,
    keyMaxActiveRuns: 5,
    outboundAllowPrivate: ['127.0.0.0/8', '::1'],
  });
  expect(loadConfig({ env: {}, flags: {} })).toMatchObject({
    keyRateLimitPerMinute: null,
    keyMaxActiveRuns: null,
    outboundAllowPrivate: [],
  });
  expect(() =>
    loadConfig({ env: { PROCTOR_KEY_RATE_LIMIT: 'lots', PROCTOR_OUTBOUND_ALLOW_PRIVATE: '10.0.0.0/40' }, flags: {} }),
  ).toThrow(/PROCTOR_OUTBOUND_ALLOW_PRIVATE: .*"10\.0\.0\.0\/40"\nPROCTOR_KEY_RATE_LIMIT: /);
});

it('still reads the outbound allow list under its old name, PROCTOR_WEBHOOK_ALLOW_PRIVATE', () => {
  expect(loadConfig({ env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: '10.1.0.0/16' }, flags: {} }).outboundAllowPrivate).toEqual(
    ['10.1.0.0/16'],
  );
  expect(
    loadConfig({
      env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: '10.1.0.0/16', PROCTOR_OUTBOUND_ALLOW_PRIVATE: '10.1.0.0/16' },
      flags: {},
    }).outboundAllowPrivate,
  ).toEqual(['10.1.0.0/16']);
  expect(() => loadConfig({ env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: 'nope' }, flags: {} })).toThrow(
    /PROCTOR_WEBHOOK_ALLOW_PRIVATE \(old name of PROCTOR_OUTBOUND_ALLOW_PRIVATE\): .*"nope"/,
  );
  // Two different lists: which one the administrator meant is not for Proctor to guess.
  expect(() =>
    loadConfig({
      env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: '10.1.0.0/16', PROCTOR_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8' },
      flags: {},
    }),
  ).toThrow(/PROCTOR_OUTBOUND_ALLOW_PRIVATE: PROCTOR_WEBHOOK_ALLOW_PRIVATE \(its old name\) is set too/);
});
