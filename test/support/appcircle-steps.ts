import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/*
 * Appcircle's Testinium workflow steps, as their public sources behave in enterprise mode (an
 * enterprise base URL set), written here from reading them, not copied:
 *
 * - appcircleio/appcircle-testinium-upload-app-component, main.rb (464e8ca, 2025-04-29);
 * - appcircleio/appcircle-testinium-run-test-plan-component, main.rb (431717c, 2025-05-05).
 *
 * Both are Ruby scripts on Net::HTTP. The requests below are made as Net::HTTP makes them (its
 * default headers, a form or multipart body with a Content-Length, an empty body on a PUT), in the
 * steps' order, and the answers are read as the steps read them: a 2xx answer must be JSON (the
 * step aborts on anything else, except the upload's, which it does not read), a 401 is read for
 * `error_description`, another 4xx for `message`; a step retries a call that failed up to
 * AC_TESTINIUM_MAX_API_RETRY_COUNT times, then aborts.
 */

/** A step ended as Ruby's `abort` ends it: exit status 1 with this line. */
export class StepAborted extends Error {}

export interface StepEnv {
  /** AC_TESTINIUM_ENTERPRISE_BASE_URL. */
  baseUrl: string;
  /** AC_TESTINIUM_USERNAME and AC_TESTINIUM_PASSWORD (a Proctor API key). */
  username: string;
  password: string;
  /** AC_TESTINIUM_COMPANY_ID, sent as `current-company-id`. */
  companyId: string;
  /** AC_TESTINIUM_MAX_API_RETRY_COUNT (the steps' default is 4). */
  retries?: number;
}

export interface StepResult {
  /** The step's exit status: 0, or 1 after an abort. */
  code: 0 | 1;
  /** What it wrote to AC_ENV_FILE_PATH (its outputs). */
  outputs: Record<string, string>;
  /** The lines it printed that the tests look at. */
  log: string[];
  /** Every request, `METHOD /path`, in order. */
  calls: string[];
}

/** Net::HTTP's own headers on every request (Host is added by node:http as Net::HTTP adds it). */
const NET_HTTP_HEADERS = {
  'accept-encoding': 'gzip;q=1.0,deflate;q=0.6,identity;q=0.3',
  accept: '*/*',
  'user-agent': 'Ruby',
};
const CLIENT_BASIC = `Basic ${Buffer.from('client1:client1').toString('base64')}`;

type Answer = { status: number; text: string };

/** The state and the request machinery both steps share. */
class Step {
  readonly outputs: Record<string, string> = {};
  readonly log: string[] = [];
  readonly calls: string[] = [];
  /** The API base: the enterprise URL joined with `Testinium.RestApi/api` (Ruby's URI.join, RFC 3986). */
  readonly api: string;

  constructor(readonly env: StepEnv) {
    this.api = new URL('Testinium.RestApi/api', env.baseUrl).href;
  }

  send(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
    const u = new URL(url);
    this.calls.push(`${method} ${u.pathname}${u.search}`);
    // Net::HTTP gives a PUT or POST without a body an empty one, with its Content-Length.
    const payload = body ?? (method === 'GET' ? undefined : Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      const req = request(
        u,
        {
          method,
          headers: {
            ...NET_HTTP_HEADERS,
            ...headers,
            ...(payload ? { 'content-length': String(payload.length) } : {}),
          },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (text += c))
            .on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A 2xx answer as JSON (aborting when it is not), else null after printing what the step prints. */
  read(a: Answer, action: string, parse = true): any {
    if (a.status >= 200 && a.status < 300) return parse ? this.json(a.text) : 200;
    if (a.status === 401) this.log.push(`Authorization error while ${action}: ${this.json(a.text).error_description}`);
    else if (a.status >= 400 && a.status < 500)
      this.log.push(`Client error while ${action}: ${this.json(a.text).message}`);
    else this.log.push(`Unexpected error while ${action}: ${JSON.stringify(this.json(a.text))}`);
    return null;
  }

  json(text: string): any {
    try {
      return JSON.parse(text);
    } catch {
      throw new StepAborted(`JSON expected but received: ${text.slice(0, 200)}`);
    }
  }

  /** Up to AC_TESTINIUM_MAX_API_RETRY_COUNT tries of `attempt` (null or undefined: try again), then an abort. */
  async retry<T>(attempt: () => Promise<T | null | undefined>): Promise<T> {
    for (let i = 0; i < (this.env.retries ?? 4); i++) {
      const done = await attempt();
      if (done !== undefined && done !== null) return done;
    }
    throw new StepAborted('Max retries exceeded.');
  }

  /** The password grant at `<base>/Testinium.RestApi/oauth/token` (the API URL with its first `/api` cut). */
  login(): Promise<string> {
    const url = `${this.api.replace('/api', '')}/oauth/token`;
    const form = new URLSearchParams({
      grant_type: 'password',
      username: this.env.username,
      password: this.env.password,
    }).toString();
    return this.retry(async () => {
      const a = await this.send(
        'POST',
        url,
        { 'content-type': 'application/x-www-form-urlencoded', authorization: CLIENT_BASIC },
        Buffer.from(form),
      );
      return this.read(a, 'logging')?.access_token;
    });
  }

  bearer(token: string, company = true): Record<string, string> {
    return {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(company ? { 'current-company-id': this.env.companyId } : {}),
    };
  }

  async finish(run: () => Promise<void>): Promise<StepResult> {
    let code: 0 | 1 = 0;
    try {
      await run();
    } catch (e) {
      if (!(e instanceof StepAborted)) throw e;
      this.log.push(e.message);
      code = 1;
    }
    return { code, outputs: this.outputs, log: this.log, calls: this.calls };
  }
}

/**
 * The "Testinium Upload App" step: login, the project, the multipart upload (`files` and
 * `isSignRequired=true`; any 2xx is success, its body unread), the project again, and the newest
 * of its `mobile_apps` whose `operating_system` is the file's OS (the greatest `created_at`, the
 * first of equals), whose id and OS (`Android` or `Ios`) it outputs.
 */
export async function uploadAppStep(
  env: StepEnv & { projectId: string | number; fileName: string; content: Buffer },
): Promise<StepResult> {
  const step = new Step(env);
  return step.finish(async () => {
    const token = await step.login();
    const findProject = () =>
      step.retry(async () =>
        step.read(
          await step.send('GET', `${step.api}/projects/${env.projectId}`, step.bearer(token)),
          'searching the project',
        ),
      );
    await findProject();
    const { type, body } = rubyMultipart([
      { name: 'files', fileName: env.fileName, content: env.content },
      { name: 'isSignRequired', value: 'true' },
    ]);
    await step.retry(async () => {
      const headers = { authorization: `Bearer ${token}`, 'current-company-id': env.companyId, 'content-type': type };
      const a = await step.send('POST', `${step.api}/file/project/${env.projectId}`, headers, body);
      return step.read(a, 'uploading the application', false);
    });
    const ending = /\.[^.]*$/.exec(env.fileName)?.[0];
    const os = ending === '.ipa' ? 'Ios' : ending === '.apk' ? 'Android' : null;
    if (!os) throw new StepAborted('Error: Only .apk and .ipa files are supported.');
    const project = await findProject();
    if (!Array.isArray(project.mobile_apps)) throw new StepAborted("undefined method 'select' for nil");
    let latest: any;
    for (const app of project.mobile_apps as any[]) {
      if (String(app.operating_system).toUpperCase() !== os.toUpperCase()) continue;
      if (latest === undefined || app.created_at > latest.created_at) latest = app;
    }
    // The step then reads `latest[:id]`: with none, Ruby stops with a NoMethodError.
    if (latest === undefined) throw new StepAborted(`undefined method '[]' for nil (no ${os} app)`);
    step.outputs.AC_TESTINIUM_UPLOADED_APP_ID = String(latest.id);
    step.outputs.AC_TESTINIUM_APP_OS = os;
  });
}

/**
 * The "Testinium Run Test Plan" step: login; wait until `checkIsRunning` says `running: false`
 * (sleeping between polls: `pause` here); select the uploaded app on the plan (a PUT without a
 * body); `…/run`, until its `execution_id` is set; wait again; then `testExecutions/{id}` once,
 * saved as the report. It fails when `result_summary` counts an ERROR, or when
 * AC_TESTINIUM_MAX_FAIL_PERCENTAGE is above 0 and FAILURE / (FAILURE + SUCCESS) reaches it. A
 * report it cannot get (an error answer) ends the step without failing it.
 */
export async function runTestPlanStep(
  env: StepEnv & {
    planId: string | number;
    appId: string;
    appOs: string;
    maxFailPercentage?: number;
    pause: () => Promise<void>;
  },
): Promise<StepResult & { report: any }> {
  const step = new Step(env);
  let report: any = null;
  const result = await step.finish(async () => {
    const token = await step.login();
    const plan = `${step.api}/plans/${env.planId}`;
    const waitUntilIdle = () =>
      step.retry(async () => {
        const state = step.read(
          await step.send('GET', `${plan}/checkIsRunning`, step.bearer(token)),
          'checking the plan',
        );
        if (!state) return undefined;
        if (state.running === false) return true;
        step.log.push('Plan is still running...');
        await env.pause();
        return undefined;
      });
    await waitUntilIdle();
    await step.retry(async () =>
      step.read(
        await step.send('PUT', `${plan}/set${env.appOs}MobileApp/${env.appId}`, step.bearer(token, false)),
        'selecting the application',
      ),
    );
    const executionId = await step.retry(async () => {
      const started = step.read(await step.send('GET', `${plan}/run`, step.bearer(token)), 'starting test plan');
      if (started?.execution_id !== null && started?.execution_id !== undefined && started.execution_id !== false)
        return started.execution_id;
      step.log.push('Plan cannot start. Please check the test plan on Testinium.');
      return undefined;
    });
    await waitUntilIdle();
    const answer = await step.send('GET', `${step.api}/testExecutions/${executionId}`, step.bearer(token));
    report = step.read(answer, 'fetching test report');
    if (report === null) return;
    step.outputs.AC_TESTINIUM_TEST_REPORT = `test_report_${executionId}.json`;
    const summary = report.result_summary;
    if (summary === null || typeof summary !== 'object')
      throw new StepAborted(`undefined method '[]' for ${JSON.stringify(summary)}`);
    const [failures, errors, successes] = [summary.FAILURE ?? 0, summary.ERROR ?? 0, summary.SUCCESS ?? 0];
    step.outputs.AC_TESTINIUM_RESULT_FAILURE_SUMMARY = String(failures);
    step.outputs.AC_TESTINIUM_RESULT_ERROR_SUMMARY = String(errors);
    step.outputs.AC_TESTINIUM_RESULT_SUCCESS_SUMMARY = String(successes);
    if (errors > 0) throw new StepAborted('❗ Test execution stopped due to errors!');
    const max = env.maxFailPercentage ?? 0;
    if (max > 0 && failures > 0 && max <= (failures / (failures + successes)) * 100)
      throw new StepAborted('Failure rate exceeded! Stopping execution.');
  });
  return { ...result, report };
}

type Part = { name: string; value: string } | { name: string; fileName: string; content: Buffer };

/**
 * A form as Net::HTTP's `set_form(…, 'multipart/form-data')` encodes it: a random URL-safe base64
 * boundary, each file with its base name and `application/octet-stream`, each field without a
 * type, sent with a Content-Length (not chunked).
 */
export function rubyMultipart(parts: Part[]): { type: string; body: Buffer } {
  const boundary = randomBytes(40).toString('base64url');
  // Names are quoted with `\` and `"` escaped by a backslash.
  const quoted = (s: string) => s.replace(/[\\"]/g, '\\$&');
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head =
      'content' in p
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(p.name)}"; filename="${quoted(p.fileName)}"\r\nContent-Type: application/octet-stream\r\n\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(p.name)}"\r\n\r\n`;
    chunks.push(Buffer.from(head), 'content' in p ? p.content : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}
