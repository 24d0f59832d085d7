import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

// The parser Express and Fastify's static plugin use (a dependency of @fastify/static): a
// Content-Disposition that it reads back to the name is one real clients read.
const require = createRequire(import.meta.url);
const disposition = require('content-disposition') as {
  parse(header: string): { type: string; parameters: Record<string, string> };
};

/** Files with names and types that broke downloads or ran as pages of ours. */
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>';
const CASES: { name: string; type?: string; body: string; stored?: string; inline?: true }[] = [
  { name: 'ログイン画面.png', type: 'image/png', body: 'PNG-login', inline: true },
  { name: 'test – dash.zip', type: 'application/zip', body: 'zip bytes' },
  { name: 'a"b;c.txt', type: 'text/plain', body: 'quoted', stored: 'a_b;c.txt' },
  { name: '..\\..\\x.txt', type: 'text/plain', body: 'backslashes', stored: 'x.txt' },
  { name: `${'n'.repeat(996)}.txt`, body: 'long', stored: `${'n'.repeat(296)}.txt` },
  // 497 emoji and "a.txt": the last 300 code units would start with half an emoji.
  { name: `${'😀'.repeat(497)}a.txt`, body: 'long emoji', stored: `${'😀'.repeat(147)}a.txt` },
  { name: '📸 shot 🎉.webm', type: 'video/webm', body: 'webm', inline: true },
  { name: 'invoice\u202Etxt.exe', body: 'reordered', stored: 'invoice_txt.exe' },
  { name: 'crlf.bin', type: 'text/html\r\nset-cookie: a=b', body: 'header injection' },
  { name: 'lf.bin', type: 'image/png\nx: y', body: 'header injection 2' },
  { name: 'picture.svg', type: 'image/svg+xml', body: SVG },
  { name: 'page.html', type: 'text/html', body: '<script>alert(1)</script>' },
  {
    name: 'page.xhtml',
    type: 'application/xhtml+xml',
    body: '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
  },
  { name: 'upper.png', type: 'IMAGE/PNG; q="x y"', body: 'png with a parameter', inline: true },
];

describeEachDialect('artifact downloads', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  let job: ClaimedJob;
  let runId: number;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    agent = await ProtocolAgent.register(s, ['artifact-agent']);
    await s.api('PUT', '/api/v1/environments/shots', { labels: ['artifact-agent'] });
    await s.api('PUT', '/api/v1/plans/shots', {
      framework: 'command',
      environments: ['shots'],
      options: { command: 'true' },
    });
    runId = (await s.api('POST', '/api/v1/plans/shots/runs', {})).body.id;
    [job] = (await agent.claim(1)) as [ClaimedJob];
  });
  afterAll(() => s?.close());

  const upload = (body: string, q: Record<string, string>) =>
    fetch(`${s.url}/api/agent/v1/jobs/${job.job_id}/artifacts?${new URLSearchParams(q)}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${agent.token}`,
        'content-type': 'application/octet-stream',
        'x-lease-token': job.lease_token,
      },
      body,
    });
  const download = (url: string) => fetch(`${s.url}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');

  it('serves every name whole, with a Content-Disposition that reads back to the stored name', async () => {
    for (const c of CASES) {
      const up = await upload(c.body, {
        name: c.name,
        sha256: sha(c.body),
        ...(c.type !== undefined ? { content_type: c.type } : {}),
      });
      expect(up.status, `${c.name}: ${await up.clone().text()}`).toBe(201);
      const row = (await up.json()) as { name: string; content_type: string; url: string };
      expect(row.name, c.name).toBe(c.stored ?? c.name);
      expect(row.name.isWellFormed(), c.name).toBe(true);
      const res = await download(row.url);
      expect(res.status, c.name).toBe(200);
      expect(await res.text(), c.name).toBe(c.body);
      const header = res.headers.get('content-disposition')!;
      expect(header, c.name).toMatch(/^[\x20-\x7e]+$/);
      const parsed = disposition.parse(header);
      expect(parsed.parameters.filename, c.name).toBe(row.name.split('/').pop());
      expect(parsed.type, c.name).toBe(c.inline ? 'inline' : 'attachment');
      // The fallback alone, for clients that ignore filename*: plain ASCII, same length in characters.
      const fallback = /filename="([^"]*)"/.exec(header)![1]!;
      expect(fallback, c.name).toMatch(/^[\x20-\x7e]*$/);
      expect(fallback.length, c.name).toBe([...row.name.split('/').pop()!].length);
      expect(res.headers.get('x-content-type-options'), c.name).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), c.name).toMatch(/^sandbox; default-src 'none'/);
    }
  });

  it('keeps a content type that is not a media type as octet-stream, and never serves script inline', async () => {
    const listed = (await s.api('GET', `/api/v1/runs/${runId}/artifacts`)).body.items as {
      name: string;
      content_type: string;
      url: string;
    }[];
    const byName = (n: string) => listed.find((a) => a.name === n)!;
    expect(byName('crlf.bin').content_type).toBe('application/octet-stream');
    expect(byName('lf.bin').content_type).toBe('application/octet-stream');
    expect(byName('upper.png').content_type).toBe('image/png; q="x y"');
    expect(byName('ログイン画面.png').content_type).toBe('image/png');
    for (const name of ['picture.svg', 'page.html', 'page.xhtml', 'crlf.bin', 'lf.bin']) {
      const res = await download(byName(name).url);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toBe('application/octet-stream');
      expect(disposition.parse(res.headers.get('content-disposition')!).type, name).toBe('attachment');
      expect(res.headers.get('set-cookie'), name).toBeNull();
      expect(res.headers.get('x'), name).toBeNull();
    }
    const png = await download(byName('upper.png').url);
    expect(png.headers.get('content-type')).toBe('image/png');
    const video = await download(byName('📸 shot 🎉.webm').url);
    expect(video.headers.get('content-type')).toBe('video/webm');
  });

  it('checks the type of a row stored before types were checked again when serving it', async () => {
    const body = 'an old row';
    const row = (await (
      await upload(body, { name: 'old.svg', sha256: sha(body), content_type: 'image/png' })
    ).json()) as { id: number; url: string };
    await s.proctor.server.store.db
      .updateTable('artifacts')
      .set({ content_type: 'image/svg+xml\r\nx: y' })
      .where('id', '=', row.id)
      .execute();
    const res = await download(row.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(disposition.parse(res.headers.get('content-disposition')!).type).toBe('attachment');
  });

  it('sends logs and reports with nosniff and the sandbox', async () => {
    for (const path of [
      `/api/v1/runs/${runId}/jobs/${job.job_id}/log`,
      `/api/v1/runs/${runId}/junit`,
      `/api/v1/runs/${runId}/ctrf`,
    ]) {
      const res = await download(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toMatch(/^sandbox; default-src 'none'/);
    }
    const junit = await download(`/api/v1/runs/${runId}/junit`);
    expect(disposition.parse(junit.headers.get('content-disposition')!).parameters.filename).toBe(
      `proctor-run-${runId}.xml`,
    );
  });
});
