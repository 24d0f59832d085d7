import type { WebhookFormat, WebhookPayload } from '../protocol/webhooks.js';

/**
 * Incoming-webhook messages for chat services, made from a standard payload: Slack (`text` with
 * mrkdwn and a section block), Microsoft Teams (a message with an Adaptive Card, what Teams
 * workflows and connectors accept) and Google Chat (`text`).
 */
export function formatPayload(format: WebhookFormat, payload: WebhookPayload): unknown {
  if (format === 'standard') return payload;
  const { title, facts } = summary(payload);
  if (format === 'slack') {
    const text = `${title}\n${facts.map(([k, v]) => `*${k}:* ${v}`).join('  ·  ')}`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  if (format === 'google-chat') return { text: `${title}\n${facts.map(([k, v]) => `*${k}:* ${v}`).join(' · ')}` };
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title.replace(/\*/g, '**'), weight: 'Bolder', wrap: true },
            { type: 'FactSet', facts: facts.map(([title, value]) => ({ title, value })) },
          ],
        },
      },
    ],
  };
}

const VERDICT: Record<string, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  aborted: '⚠️ aborted',
  stopped: '⏹ stopped',
};
const WHAT: Record<WebhookPayload['type'], string> = {
  'run.queued': 'was queued',
  'run.started': 'started',
  'job.finished': 'finished a job',
  'run.finished': 'finished',
};

/** A one-line title and a few facts about the run, shared by every chat format. */
function summary(p: WebhookPayload): { title: string; facts: [string, string][] } {
  const run = p.data.run as {
    id: number;
    plan?: { name?: string };
    project?: { name?: string };
    result?: string | null;
    counts?: Record<string, number>;
    duration_ms?: number | null;
    build?: string | null;
    trigger?: { build?: string | null; branch?: string | null };
  };
  const verdict = p.type === 'run.finished' && run.result ? (VERDICT[run.result] ?? run.result) : WHAT[p.type];
  const title = `Run #${run.id} of *${run.plan?.name ?? '?'}* (${run.project?.name ?? '?'}) ${verdict}`;
  const facts: [string, string][] = [];
  const c = run.counts;
  if (c && p.type === 'run.finished')
    facts.push([
      'Scenarios',
      `${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${c.flaky ?? 0} flaky, ${c.skipped ?? 0} skipped of ${c.total ?? 0}`,
    ]);
  if (p.data.job) facts.push(['Job', `${String(p.data.job.environment)}: ${String(p.data.job.status)}`]);
  if (typeof run.duration_ms === 'number') facts.push(['Duration', `${Math.round(run.duration_ms / 1000)} s`]);
  if (run.trigger?.build) facts.push(['Build', run.trigger.build]);
  if (run.trigger?.branch) facts.push(['Branch', run.trigger.branch]);
  return { title, facts };
}
