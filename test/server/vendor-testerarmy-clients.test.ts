import { createHash } from 'node:crypto';
import { mkdtempSync, openAsBlob, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';

/** One request a client made: its method, URL, headers and body as sent, and what came back. */
interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  status: number;
}

/**
 * TesterArmy's mobile GitHub Action as it was before it ran the `testerarmy` CLI
 * (tester-army/mobile-github-action, `action.yml` with `src/upload-mobile.ts`, `src/run-tests.ts`
 * and `src/delete-mobile-app.ts`), its three steps made request by request as that source makes
 * them, against Proctor:
 *
 * 1. upload: `POST {api}/projects/{project}/mobile/upload` (Bearer, JSON `{filename, fileSize,
 *    removeAfter}`), reads `uploadUrl` and `storageKey`; `PUT uploadUrl` with the file as a Blob,
 *    `Content-Type: application/octet-stream` and no Authorization; `POST …/mobile/upload/confirm`
 *    (JSON `{storageKey, filename, fileSize, removeAfter}`), reads `app.id`;
 * 2. run: `POST webhook_url` without Authorization, JSON `{commitSha, mobile: {appId}}`, reads
 *    `runIds` and `metadata.mobile.resolvedAppId`; then polls `GET {origin}/api/v1/runs/{id}`
 *    (Bearer) for each id, reading `status` and `output.result ?? result` (lowercased), and fails
 *    on a failed run, passes when none is pending;
 * 3. delete (always): `DELETE {origin}/api/v1/projects/{project}/mobile/{appId}` (Bearer).
 *
 * Every request must answer 2xx (its `requestJson` throws otherwise). The upload step's base is a
 * constant of that source (`https://tester.army/api/v1`); here it is Proctor's, as if edited.
 */
async function mobileAction(
  f: VendorFixture,
  inputs: { appPath: string; apiKey: string; projectId: string; webhookUrl: string; sha: string },
  drain: () => Promise<void>,
): Promise<{ exit: number; outputs: Record<string, string>; sent: Sent[]; error: string }> {
  const sent: Sent[] = [];
  const outputs: Record<string, string> = {};
  const send = async (url: string, init: RequestInit): Promise<{ data: any; text: string }> => {
    const response = await fetch(url, init);
    const text = await response.text();
    const body = init.body instanceof Blob ? `<${init.body.size} bytes>` : ((init.body as string | undefined) ?? null);
    sent.push({
      method: init.method ?? 'GET',
      url,
      headers: { ...(init.headers as Record<string, string>) },
      body,
      status: response.status,
    });
    if (!response.ok) throw new Error(`Request to ${url} failed with status ${response.status}\n${text}`);
    return { data: text ? JSON.parse(text) : {}, text };
  };
  const apiBase = `${f.s.url}/api/v1`;
  const origin = new URL(inputs.webhookUrl).origin;

  // Step 1: upload (src/upload-mobile.ts), REMOVE_AFTER defaulting to 3600.
  try {
    const appName = basename(inputs.appPath);
    const blob = await openAsBlob(inputs.appPath, { type: 'application/octet-stream' });
    const appSize = blob.size;
    const init = await send(`${apiBase}/projects/${inputs.projectId}/mobile/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${inputs.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: appName, fileSize: appSize, removeAfter: 3600 }),
    });
    const uploadUrl = String(init.data.uploadUrl ?? '');
    const storageKey = String(init.data.storageKey ?? '');
    if (!uploadUrl || !storageKey) throw new Error('Upload initiation response is missing uploadUrl or storageKey');
    await send(uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: blob });
    const confirm = await send(`${apiBase}/projects/${inputs.projectId}/mobile/upload/confirm`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${inputs.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ storageKey, filename: appName, fileSize: appSize, removeAfter: 3600 }),
    });
    const appId = String(confirm.data?.app?.id ?? '');
    if (!appId) throw new Error('Upload confirmation response did not include app.id');
    outputs.app_id = appId;
  } catch (e) {
    return { exit: 1, outputs, sent, error: (e as Error).message };
  }

  // Step 2: run (src/run-tests.ts); the polling sleep is the agent's turn here.
  let exit = 0;
  let error = '';
  try {
    const trigger = await send(inputs.webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ commitSha: inputs.sha, mobile: { appId: outputs.app_id } }),
    });
    const runIds = Array.isArray(trigger.data.runIds) ? trigger.data.runIds.map((v: unknown) => String(v)) : [];
    if (runIds.length === 0) throw new Error('Webhook response did not include any run IDs');
    outputs.run_ids = JSON.stringify(runIds);
    outputs.resolved_app_id = String(trigger.data?.metadata?.mobile?.resolvedAppId ?? outputs.app_id ?? '');
    for (let poll = 0; ; poll++) {
      const runs = await Promise.all(
        runIds.map(async (runId: string) => {
          const { data } = await send(`${origin}/api/v1/runs/${runId}`, {
            method: 'GET',
            headers: { Authorization: `Bearer ${inputs.apiKey}` },
          });
          const output = data.output ?? {};
          const status = String(data.status ?? 'unknown').toLowerCase();
          const result = String(output.result ?? data.result ?? 'unknown').toLowerCase();
          return { status, result, state: classifyRun(status, result) };
        }),
      );
      if (runs.some((r) => r.state === 'failed')) {
        outputs.overall_status = 'failed';
        throw new Error(`One or more TesterArmy runs failed\n${JSON.stringify(runs)}`);
      }
      if (runs.every((r) => r.state !== 'pending')) {
        outputs.overall_status = 'passed';
        break;
      }
      if (poll > 100) {
        outputs.overall_status = 'timed_out';
        throw new Error('Timed out waiting for TesterArmy runs to finish');
      }
      await drain();
    }
  } catch (e) {
    exit = 1;
    error = (e as Error).message;
  }

  // Step 3: delete (src/delete-mobile-app.ts), `if: always()` with delete_app_after_run true.
  try {
    await send(`${origin}/api/v1/projects/${inputs.projectId}/mobile/${outputs.app_id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${inputs.apiKey}` },
    });
  } catch (e) {
    return { exit: 1, outputs, sent, error: `${error}\n${(e as Error).message}` };
  }
  return { exit, outputs, sent, error };
}

/** The action's own reading of a run: pending, failed or passed. */
function classifyRun(status: string, result: string): 'passed' | 'failed' | 'pending' {
  if (['queued', 'pending', 'running', 'in_progress'].includes(status)) return 'pending';
  if (['failed', 'failure', 'cancelled', 'canceled', 'error'].includes(status)) return 'failed';
  if (['completed', 'succeeded', 'success', 'passed'].includes(status))
    return ['pass', 'passed', 'success', 'succeeded'].includes(result) ? 'passed' : 'failed';
  return 'pending';
}

describeEachDialect('TesterArmy published clients', (dialect) => {
  let f: VendorFixture;
  let app: string;
  let appSha: string;
  beforeAll(async () => {
    f = await startVendorFixture(dialect);
    app = join(mkdtempSync(join(tmpdir(), 'proctor-ta-')), 'shop-debug.apk');
    const bytes = Buffer.alloc(300_000, 7);
    bytes.write('PK\u0003\u0004 an android package, more or less');
    writeFileSync(app, bytes);
    appSha = createHash('sha256').update(bytes).digest('hex');
  });
  afterAll(() => f?.close());

  const inputs = (plan: string) => ({
    appPath: app,
    apiKey: f.tokens.runner,
    projectId: 'default',
    // The group webhook URL: the plan's UUID and, as its secret, the same key.
    webhookUrl: `${f.s.url}/api/v1/groups/webhook/${f.plans[plan]!.uuid}/${f.tokens.runner}`,
    sha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
  });

  it('mobile-github-action (before the CLI): uploads, triggers, polls to passed, deletes, and exits 0', async () => {
    const r = await mobileAction(f, inputs('mobile'), () => f.drain(['mobile']));
    expect(r.error).toBe('');
    expect(r.exit).toBe(0);
    expect(r.outputs.overall_status).toBe('passed');
    const runIds = JSON.parse(r.outputs.run_ids!) as string[];
    expect(runIds).toHaveLength(1);
    expect(r.outputs.resolved_app_id).toBe(r.outputs.app_id);
    // Its requests, in order, with what each answered.
    const steps = r.sent.map((s) => `${s.method} ${new URL(s.url).pathname} ${s.status}`);
    const polls = steps.filter((s) => s === `GET /api/v1/runs/${runIds[0]} 200`).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(steps).toEqual([
      'POST /api/v1/projects/default/mobile/upload 200',
      `PUT /api/v1/projects/default/mobile/uploads/${r.outputs.app_id} 200`,
      'POST /api/v1/projects/default/mobile/upload/confirm 201',
      `POST /api/v1/groups/webhook/${f.plans.mobile!.uuid}/${f.tokens.runner} 202`,
      ...Array<string>(polls).fill(`GET /api/v1/runs/${runIds[0]} 200`),
      `DELETE /api/v1/projects/default/mobile/${r.outputs.app_id} 200`,
    ]);
    expect(r.sent[1]!.headers).toEqual({ 'Content-Type': 'application/octet-stream' });
    expect(r.sent[3]!.headers).toEqual({ 'Content-Type': 'application/json' });
    // The run: the plan, the uploaded build on each of its environments, the commit as its build.
    const run = (await f.s.api('GET', `/api/v1/runs/${runIds[0]}`)).body;
    expect(run).toMatchObject({ status: 'completed', result: 'passed', plan: { name: 'mobile' } });
    expect(run.trigger.build).toBe('9fceb02d0ae598e95dc970b74767f19372d61af8');
    expect(Object.keys(run.trigger.app_builds).sort()).toEqual(['iphone', 'pixel']);
    // The build held the file's bytes until the action deleted it.
    const builds = (await f.s.api('GET', '/api/v1/app-builds?name=shop-debug.apk')).body.items;
    expect(builds.map((b: { uuid: string }) => b.uuid)).not.toContain(r.outputs.app_id);
  }, 60_000);

  it('mobile-github-action: a failing run fails the action, and the app is deleted all the same', async () => {
    const r = await mobileAction(f, inputs('mobile'), () => f.drain());
    expect(r.exit).toBe(1);
    expect(r.outputs.overall_status).toBe('failed');
    expect(r.error).toContain('One or more TesterArmy runs failed');
    expect(r.sent.at(-1)).toMatchObject({ method: 'DELETE', status: 200 });
  }, 60_000);

  it('keeps the uploaded bytes as an app build of the project, named after the file', async () => {
    const base = `${f.s.url}/api/v1/projects/default/mobile`;
    const auth = { Authorization: `Bearer ${f.tokens.runner}`, 'Content-Type': 'application/json' };
    const blob = await openAsBlob(app);
    const init = (await (
      await fetch(`${base}/upload`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ filename: 'shop-debug.apk', fileSize: blob.size }),
      })
    ).json()) as { uploadUrl: string; storageKey: string };
    expect(init).toEqual({
      uploadUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/projects\/default\/mobile\/uploads\//),
      storageKey: expect.stringMatching(/^uploads\/[0-9a-f-]{36}$/),
      filename: 'shop-debug.apk',
      fileSize: blob.size,
      removeAfter: null,
    });
    const put = await fetch(init.uploadUrl, { method: 'PUT', body: blob });
    expect(put.status).toBe(200);
    const confirm = await fetch(`${base}/upload/confirm`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ storageKey: init.storageKey, filename: 'shop-debug.apk', fileSize: blob.size }),
    });
    expect(confirm.status).toBe(201);
    const { app: view } = (await confirm.json()) as { app: Record<string, unknown> };
    expect(view).toMatchObject({
      platform: 'android',
      filename: 'shop-debug.apk',
      fileSize: blob.size,
      source: 'api_upload',
    });
    const builds = (await f.s.api('GET', '/api/v1/app-builds?name=shop-debug.apk')).body.items;
    expect(builds.find((b: { uuid: string }) => b.uuid === view.id)).toMatchObject({
      sha256: appSha,
      size: blob.size,
      file_name: 'shop-debug.apk',
      version: view.id,
    });
  });
});
