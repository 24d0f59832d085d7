import { describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../src/domain/address-policy.js';
import { parsePlanFile } from '../../src/domain/plan-file.js';

const VALID = `
project: web
environments:
  chrome:
    platform: web
    labels: [chromium, linux]
    variables: { BROWSER: chromium, TOKEN: s3cret-value }
    secrets: [TOKEN]
  node: {}
plans:
  unit:
    framework: vitest
    workdir: packages/app
    scenarios: { include: ["src/**/*.test.ts"], tags: ["@smoke"] }
    environments: [chrome, node]
    timeout: 10m
    run_timeout: 1h
    retries: 2
    max_parallel: 4
    fail_fast: 3
    concurrency: cancel-previous
`;

describe('parsePlanFile', () => {
  it('reads a complete file into normalised definitions', () => {
    const r = parsePlanFile(VALID);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.file.project).toBe('web');
    expect(r.file.environments.map((e) => e.name)).toEqual(['chrome', 'node']);
    expect(r.file.environments[0]).toMatchObject({
      platform: 'web',
      labels: ['chromium', 'linux'],
      secrets: ['TOKEN'],
    });
    const plan = r.file.plans[0]!;
    expect(plan).toMatchObject({
      name: 'unit',
      framework: 'vitest',
      jobTimeoutMs: 600_000,
      runTimeoutMs: 3_600_000,
      retries: 2,
      maxParallel: 4,
      failFast: 3,
      concurrency: 'cancel-previous',
      scenarios: { include: ['src/**/*.test.ts'], exclude: [], tags: ['smoke'], names: [] },
    });
  });

  it('lists every problem by path and yields no definitions', () => {
    const r = parsePlanFile(`
environments:
  chrome: { platform: tv, labels: 3 }
plans:
  unit:
    framework: vitest
    environments: [chrome, safari]
    timeout: soon
    retries: -1
    concurrency: sometimes
    colour: blue
  "123": { framework: vitest, environments: [chrome] }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.problems.list.map((p) => `${p.path}: ${p.message}`);
    expect(lines).toContain('plans.unit.timeout: expected a duration like "10m", got string "soon"');
    expect(lines.some((l) => l.startsWith('environments.chrome.platform: expected one of web, ios'))).toBe(true);
    expect(lines.some((l) => l.startsWith('environments.chrome.labels: expected a list of strings'))).toBe(true);
    expect(lines.some((l) => l.includes('environment "safari" is not declared'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.unit.retries: expected a whole number from 0 to 10'))).toBe(true);
    expect(
      lines.some((l) => l.startsWith('plans.unit.concurrency: expected one of allow, skip, queue, cancel-previous')),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.unit.colour: unknown key'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.123: expected a name'))).toBe(true);
  });

  it('reads one string where a list belongs as a list of one, with a warning that says what to write', () => {
    const r = parsePlanFile(`
environments:
  chrome: { labels: chromium }
plans:
  unit:
    framework: vitest
    workdir: .
    environments: chrome
    scenarios: { include: "test/*.js", tags: smoke }
  whole:
    framework: vitest
    workdir: .
    environments: [chrome]
    scenarios: "test/*.js"
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => `${w.line}: ${w.path}: ${w.message}`)).toEqual([
      '3: environments.chrome.labels: expected a list, got one string: read as a list of one; write labels: ["chromium"]',
      '9: plans.unit.scenarios.include: expected a list, got one string: read as a list of one; write include: ["test/*.js"]',
      '9: plans.unit.scenarios.tags: expected a list, got one string: read as a list of one; write tags: ["smoke"]',
      '8: plans.unit.environments: expected a list, got one string: read as a list of one; write environments: ["chrome"]',
    ]);
    expect(r.file.environments[0]!.labels).toEqual(['chromium']);
    expect(r.file.plans[0]).toMatchObject({
      environments: ['chrome'],
      scenarios: { include: ['test/*.js'], tags: ['smoke'] },
    });
    // A plan's scenarios may be one glob (a glob, a list of globs or a mapping): no warning.
    expect(r.file.plans[1]!.scenarios.include).toEqual(['test/*.js']);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parsePlanFile('plans:\n  unit: [unclosed\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.list[0]!.path).toMatch(/^line \d+/);
  });

  it('accepts plans naming environments that already exist in the project', () => {
    expect(parsePlanFile('plans:\n  p: { framework: vitest, environments: [old] }\n', ['old']).ok).toBe(true);
    expect(parsePlanFile('plans:\n  p: { framework: vitest, environments: [old] }\n', []).ok).toBe(false);
  });

  it('takes a repo only as a network URL git cannot read as an option, and a ref that is a name', () => {
    const problems = (repo: string, policy?: AddressPolicy): string[] => {
      const r = parsePlanFile(
        `plans:\n  p: { framework: command, environments: [old], repo: ${repo} }\n`,
        ['old'],
        policy,
      );
      return r.ok ? [] : r.problems.list.map((p) => `${p.path}: ${p.message}`);
    };
    for (const url of [
      'https://git.example.com/app.git',
      'http://git.example.com:8080/app',
      'ssh://git@git.example.com:2222/app.git',
      'git://git.example.com/app.git',
      'git@github.com:org/app.git',
      'https://user:token@git.example.com/app.git',
      'https://93.184.216.34/app.git',
    ]) {
      expect(problems(`{ url: "${url}", ref: main }`), url).toEqual([]);
    }
    const local =
      "plans.p.repo.url: expected a network URL: https://host/repo.git, http://…, ssh://user@host/repo.git, git://… or user@host:path/repo.git, got a local path; a repository already on the agent's disk is a workdir, not a repo (write workdir: /path/to/checkout instead)";
    for (const url of [
      'file:///srv/app.git',
      'FILE:///srv/app.git',
      '/srv/app.git',
      './app',
      '../app',
      'app',
      '~/app',
      'c:/src/app',
    ])
      expect(problems(`{ url: "${url}" }`), url).toEqual([local]);
    expect(problems('{ url: "--upload-pack=touch /tmp/x" }')).toEqual([
      expect.stringMatching(/^plans\.p\.repo\.url: must not start with "-" \(git would read it as an option\)/),
    ]);
    expect(problems('"--upload-pack=x"')).toEqual([expect.stringMatching(/^plans\.p\.repo: must not start with "-"/)]);
    expect(problems('{ url: "ext::sh -c touch% /tmp/x" }')).toEqual([
      'plans.p.repo.url: must not contain whitespace, control characters or backslashes',
    ]);
    expect(problems('{ url: "fd::3" }')).toEqual([expect.stringMatching(/fd:: transports are not allowed$/)]);
    expect(problems('{ url: "svn://host/app" }')).toEqual([expect.stringMatching(/svn:\/\/ is not allowed$/)]);
    expect(problems('{ url: "host:app.git" }')).toEqual([
      expect.stringMatching(/write host:path with its user \(git@host:path\) or as ssh:\/\/host\/path$/),
    ]);
    expect(problems('{ url: "-oProxyCommand=x@host:app" }')).toEqual([
      expect.stringMatching(/must not start with "-"/),
    ]);
    expect(problems('{ url: "git@-oProxyCommand=x:app" }')).toEqual([
      expect.stringMatching(/"-oProxyCommand=x" is not a host name or address/),
    ]);
    expect(problems('{ url: "ssh://-oProxyCommand=x/app" }')).toEqual([
      expect.stringMatching(/is not a host name or address/),
    ]);
    expect(problems('{ url: "ssh://%2doProxyCommand=x@host/app" }')).toEqual([
      'plans.p.repo.url: the user must not start with "-"',
    ]);
    expect(problems('{ url: "git@host:-app" }')).toEqual([
      'plans.p.repo.url: the path after "host:" must not start with "-"',
    ]);
    // Literal addresses the policy refuses, in any spelling; allowed once an administrator allows the range.
    for (const url of [
      'http://127.0.0.1/app.git',
      'http://0x7f.1/app.git',
      'https://[::ffff:0:127.0.0.1]/app.git',
      'ssh://git@2130706433/app.git',
      'git@[::1]:app.git',
      'git://169.254.169.254/app',
    ]) {
      expect(problems(`{ url: "${url}" }`), url).toEqual([
        expect.stringMatching(
          /^plans\.p\.repo\.url: .* is an? .*; Proctor does not call such addresses unless an administrator allows them \(PROCTOR_OUTBOUND_ALLOW_PRIVATE\)$/,
        ),
      ]);
    }
    expect(problems('{ url: "http://127.0.0.1/app.git" }', new AddressPolicy(['127.0.0.0/8']))).toEqual([]);
    for (const ref of ['--output=/tmp/x', '-b'])
      expect(problems(`{ url: "https://h/app.git", ref: "${ref}" }`)).toEqual([
        'plans.p.repo.ref: must not start with "-" (git would read it as an option)',
      ]);
    for (const ref of ['a..b', 'HEAD~1', 'main^', '@{-1}', 'a b', 'x:y'])
      expect(problems(`{ url: "https://h/app.git", ref: "${ref}" }`), ref).toEqual([
        expect.stringMatching(/^plans\.p\.repo\.ref: .* is not a branch, tag or commit name git accepts$/),
      ]);
    for (const ref of [
      'main',
      'v1.2.3',
      'release/2026-12',
      'refs/pull/7/head',
      'HEAD',
      '0123456789abcdef0123456789abcdef01234567',
    ])
      expect(problems(`{ url: "https://h/app.git", ref: "${ref}" }`), ref).toEqual([]);
  });

  it('takes options.worker only where the framework has a worker, in the form it takes', () => {
    const problems = (framework: string, worker: string): string[] => {
      const r = parsePlanFile(
        `plans:\n  p: { framework: ${framework}, environments: [old], options: { worker: ${worker} } }\n`,
        ['old'],
      );
      return r.ok ? [] : r.problems.list.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems('mocha', 'true')).toEqual([
      expect.stringMatching(
        /^plans\.p\.options\.worker: framework mocha has no worker mode \(frameworks with one: command, jest, junit5, pytest, vitest\)/,
      ),
    ]);
    expect(problems('jest', 'true')).toEqual([]);
    expect(problems('command', '"node worker.mjs"')).toEqual([]);
    expect(problems('command', 'true')).toEqual([
      expect.stringMatching(
        /^plans\.p\.options\.worker: expected the shell command that starts the worker .*got boolean true$/,
      ),
    ]);
    expect(problems('pytest', 'true')).toEqual([]);
    expect(problems('pytest', 'yes')).toEqual([
      'plans.p.options.worker: expected true (pytest runs batches in one process), got string "yes"',
    ]);
    expect(problems('pytest', '"python3 -m pytest"')).toEqual([
      'plans.p.options.worker: expected true (pytest runs batches in one process), got string "python3 -m pytest"',
    ]);
    expect(problems('pytest', 'false')).toEqual([]);
    expect(problems('vitest', 'true')).toEqual([]);
    expect(problems('vitest', '"npx vitest"')).toEqual([
      'plans.p.options.worker: expected true (vitest runs batches in one process), got string "npx vitest"',
    ]);
  });

  it("checks options against the framework's adapter: unknown names with the closest, shapes with an example, each on its line", () => {
    const r = parsePlanFile(`environments:
  e: {}
plans:
  unit:
    framework: vitest
    environments: [e]
    options:
      confg: vitest.config.ts
      artifacts: []
  py:
    framework: pytest
    environments: [e]
    options: { args: "-x -q", python: 3, artifacts_max_mb: 0, colour: blue }
  junit:
    framework: junit5
    environments: [e]
    options: { sources: [src/test/java, 7] }
  checks:
    framework: command
    environments: [e]
    options: { command: "sh {files}", discover: { lst: checks.txt } }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.list.map((p) => `line ${p.line}, ${p.path}: ${p.message}`)).toEqual([
      'line 8, plans.unit.options.confg: unknown option of vitest; did you mean config? (vitest takes config, worker, artifacts, artifacts_max_mb)',
      'line 9, plans.unit.options.artifacts: expected a non-empty string or list of strings like ["shots/*.png"], got a list',
      'line 13, plans.py.options.args: expected a list of strings like ["-x"], got string "-x -q"',
      'line 13, plans.py.options.python: expected a non-empty string like "python3", got number 3',
      'line 13, plans.py.options.artifacts_max_mb: expected a number above 0 like 50, got number 0',
      'line 13, plans.py.options.colour: unknown option of pytest (pytest takes python, args, worker, artifacts, artifacts_max_mb)',
      'line 17, plans.junit.options.sources: expected a non-empty string or list of strings like ["src/test/java"], got a list',
      'line 21, plans.checks.options.discover: expected a glob like "checks/*.sh", a list of globs, or { list: "path/to/list.txt" }, got a mapping',
    ]);
  });

  it('takes every option each adapter reads, in every shape it reads, and a key without a value as absent', () => {
    const plans = [
      'a: { framework: vitest, options: { config: v.ts, worker: true, artifacts: "shots/*.png", artifacts_max_mb: 0.5 } }',
      'b: { framework: jest, options: { config: j.js, worker: false, artifacts: [a, b] } }',
      'c: { framework: mocha, options: { config: .mocharc.yml } }',
      'd: { framework: playwright, options: { config: p.ts, project: chromium } }',
      'e: { framework: playwright, options: { project: [chromium, firefox], config: null } }',
      'f: { framework: pytest, options: { python: python3.12, args: [], worker: true } }',
      'g: { framework: pytest, options: { args: ["-x", "-q"] } }',
      'h: { framework: junit5, options: { launcher: [a.jar, b.jar], sources: src, classpath: [lib/x.jar], worker: true } }',
      'i: { framework: node-test, options: { include: "t/**/*.js", exclude: [t/fixtures/**] } }',
      'j: { framework: command, options: { command: "sh {files}", discover: "checks/*.sh", report: [out/*.xml] } }',
      'k: { framework: command, options: { discover: { list: list.txt }, worker: "node w.mjs" } }',
    ];
    const r = parsePlanFile(
      `environments:\n  e: {}\nplans:\n${plans.map((p) => `  ${p.replace('{ framework', '{ workdir: ., environments: [e], framework')}`).join('\n')}\n`,
    );
    expect(r.ok ? [] : r.problems.toString()).toEqual([]);
    expect(r.ok && r.warnings).toEqual([]);
  });

  it('warns where a required option is left out, with what to write', () => {
    const warnings = (options: string): string[] => {
      const r = parsePlanFile(
        `environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    workdir: .\n    environments: [e]\n${options}`,
      );
      expect(r.ok, r.ok ? '' : r.problems.toString()).toBe(true);
      return r.ok ? r.warnings.map((w) => `line ${w.line}, ${w.path}: ${w.message}`) : [];
    };
    expect(warnings('')).toEqual([
      'line 4, plans.p.options.command: not set, and the command adapter cannot run without it (the shell command that runs a batch: {files}, {filter} and {report_dir} are filled in): write command: "sh {files}"',
      'line 4, plans.p.options.discover: not set, and the command adapter cannot run without it (globs of the scenario files, or { list: "path" }, a file naming one a line): write discover: "checks/*.sh"',
    ]);
    expect(warnings('    options: { command: "true", discover: null }\n')).toEqual([
      expect.stringMatching(/^line 8, plans\.p\.options\.discover: not set/),
    ]);
    // In queue mode the worker runs the batches: `command` is not used.
    expect(warnings('    options: { worker: "node w.mjs", discover: "*.sh" }\n')).toEqual([]);
  });

  it('refuses a secret that is not a variable and an empty file', () => {
    expect(parsePlanFile('environments:\n  e: { secrets: [NOPE] }\n').ok).toBe(false);
    expect(parsePlanFile('{}').ok).toBe(false);
    expect(parsePlanFile('- a list').ok).toBe(false);
  });
});
