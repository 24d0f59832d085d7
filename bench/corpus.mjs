#!/usr/bin/env node
// @ts-check
/**
 * The corpus bench (issue 14): real open-source suites, each run by its framework directly (twice,
 * its own JSON or JUnit report) and through Proctor (a plan on the embedded agent of a real
 * `proctor serve` from dist/, SQLite, one slot: once a process per job, once in queue mode where
 * the framework has a worker), and a table per suite of how Proctor's verdicts compare. Each mode
 * runs twice: cold (no durations, the agent's kept discoveries removed) and warm (the first run's
 * durations, its discovery reused when nothing in the suite changed).
 *
 *   node bench/corpus.mjs --prepare            clone (from /work/.mirror when there, else GitHub)
 *                                              and install every suite into the scratch directory
 *   node bench/corpus.mjs [--suites a,b]       run them (prepared ones; --prepare does both)
 *
 * The corpus is bench/corpus.json: per suite its repository and commit, the framework, and how to
 * install and run it. Nothing of the suites' code is in this repository: they are checked out
 * into the scratch directory (--scratch, default /tmp/corpus), which caches them between runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import picomatch from 'picomatch';
import { adminToken, childEnv, client, freePort, log, runBench, sleep, spawnChild, tempDir } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: {
    prepare: { type: 'boolean', default: false },
    'prepare-only': { type: 'boolean', default: false },
    suites: { type: 'string' },
    modes: { type: 'string', default: 'process,queue' },
    scratch: { type: 'string', default: '/tmp/corpus' },
    bin: { type: 'string', default: join(HERE, '..', 'dist', 'main.js') },
    corpus: { type: 'string', default: join(HERE, 'corpus.json') },
    'time-limit': { type: 'string', default: '14400' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`node bench/corpus.mjs [--prepare | --prepare-only] [--suites a,b] [--modes process,queue]
  [--scratch /tmp/corpus] [--bin dist/main.js] [--corpus bench/corpus.json] [--json results.json]
Runs each suite of the corpus directly (twice) and through Proctor on one slot, and prints per
suite: tests, same verdict, different verdict, missing, extra, aborted, wall time direct vs Proctor.
`);
  process.exit(0);
}

/**
 * @typedef {{ name: string, repo: string, commit: string, framework: string, workdir?: string,
 *   install?: string[], options?: Record<string, unknown>, env?: Record<string, string>,
 *   direct?: string[], timeout?: string, note?: string, java?: { dirs: string[], exclude?: string[] },
 *   scenarios?: string[] }} Suite
 * @typedef {'passed' | 'failed' | 'skipped'} Verdict
 */

const corpus = /** @type {{ suites: Suite[] }} */ (JSON.parse(readFileSync(flags.corpus, 'utf8')));
const chosen = flags.suites ? flags.suites.split(',').map((s) => s.trim()) : corpus.suites.map((s) => s.name);
const suites = chosen.map(
  (name) => corpus.suites.find((s) => s.name === name) ?? fail(`no suite "${name}" in ${flags.corpus}`),
);
const scratch = resolve(flags.scratch);
const modes = flags.modes.split(',').map((m) => m.trim());
// Frameworks whose adapter has a queue-mode worker.
const WORKERS = new Set(['vitest', 'jest', 'pytest', 'junit5']);

/** @param {string} message @returns {never} */
function fail(message) {
  throw new Error(message);
}

// ---------------------------------------------------------------- preparing

/** @param {Suite} s */
const checkout = (s) => join(scratch, s.name);
/** @param {Suite} s */
const suiteDir = (s) => join(checkout(s), s.workdir ?? '.');

/**
 * Clones the suite at its commit and installs it, unless a previous prepare of the same recipe
 * left its marker.
 * @param {Suite} s
 */
async function prepare(s) {
  const dir = checkout(s);
  const marker = join(dir, '.proctor-corpus-prepared');
  const recipe = JSON.stringify({ commit: s.commit, install: s.install ?? [], java: s.java ?? null });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === recipe) return log(`${s.name}: prepared already (${dir})`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const mirror = `/work/.mirror/${s.repo.replace('/', '+')}/repo`;
  const source = existsSync(mirror) ? mirror : `https://github.com/${s.repo}.git`;
  log(`${s.name}: cloning ${source} at ${s.commit.slice(0, 12)}`);
  await sh(
    `git clone -q --no-checkout ${q(source)} ${q(dir)} && git -C ${q(dir)} checkout -q --detach ${s.commit}`,
    scratch,
    {},
  );
  for (const command of (s.install ?? []).map(filled)) {
    log(`${s.name}: ${command}`);
    await sh(command, dir, suiteEnv(s));
  }
  if (s.framework === 'playwright') linkDebianChromium(s);
  if (s.java) await compilableJava(s, s.java);
  writeFileSync(marker, recipe);
}

/**
 * A Java suite built with Debian's JDK and JUnit 5 only (no Maven, no Gradle): links the suite's
 * sources into `<checkout>/.proctor-java/src` without the files that import what is not there, and
 * then, compiling round after round, without those javac refuses (they use such a file, or a newer
 * JUnit than Debian's). The plan compiles that directory (`options.sources`).
 * @param {Suite} s @param {{ dirs: string[], exclude?: string[] }} java
 */
async function compilableJava(s, java) {
  const root = checkout(s);
  const out = join(root, '.proctor-java');
  rmSync(out, { recursive: true, force: true });
  const refused = new RegExp(
    `^import (?:static )?(?:${(java.exclude ?? []).map((p) => p.replaceAll('.', '\\.')).join('|') || '(?!)'})`,
    'm',
  );
  /** @type {Map<string, string>} */
  const kept = new Map();
  for (const dir of java.dirs) {
    for (const file of findFiles(join(root, dir), '', (p) => p.endsWith('.java'))) {
      const text = readFileSync(file, 'utf8');
      if (!refused.test(text)) kept.set(join(out, 'src', relative(join(root, dir), file)), file);
    }
  }
  for (const [link, file] of kept) {
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(file, link);
  }
  const classPath = [
    '/usr/share/java/junit-platform-console-standalone.jar',
    ...[s.options?.classpath ?? []].flat().map((p) => resolve(root, String(p))),
  ].join(':');
  for (let round = 1; round <= 15; round++) {
    writeFileSync(join(out, 'sources.txt'), [...kept.keys()].join('\n'));
    const r = await runDirect(
      [
        '/bin/sh',
        '-c',
        `javac -encoding UTF-8 -nowarn -Xmaxerrs 100000 -d ${q(join(out, 'classes'))} -cp ${q(classPath)} @${q(join(out, 'sources.txt'))} > ${q(join(out, 'javac.txt'))} 2>&1`,
      ],
      root,
      {},
      600_000,
    );
    const errors = readFileSync(join(out, 'javac.txt'), 'utf8');
    if (r.code !== 0 && !/error/.test(errors)) fail(`${s.name}: javac failed: ${errors.slice(-2000)}`);
    const broken = new Set([...errors.matchAll(/^(\/[^:]+\.java):\d+: error/gm)].map((m) => m[1] ?? ''));
    if (broken.size === 0) break;
    log(`${s.name}: javac round ${round}: leaving out ${broken.size} files it refuses`);
    for (const link of broken) {
      rmSync(link, { force: true });
      kept.delete(link);
    }
  }
  rmSync(join(out, 'classes'), { recursive: true, force: true });
  log(`${s.name}: ${kept.size} Java files compile with Debian's JDK and JUnit`);
}

/**
 * Playwright looks for its own Chromium build under PLAYWRIGHT_BROWSERS_PATH; the machines here
 * have Debian's and no downloads. Link Debian's where the suite's Playwright expects its builds,
 * so its config runs unchanged.
 * @param {Suite} s
 */
function linkDebianChromium(s) {
  const registry = browsersPath();
  for (const manifest of findFiles(checkout(s), 'browsers.json', (p) => p.includes('playwright-core'))) {
    const { browsers } = JSON.parse(readFileSync(manifest, 'utf8'));
    for (const b of browsers) {
      const target =
        b.name === 'chromium'
          ? ['chrome-linux', 'chrome']
          : b.name === 'chromium-headless-shell'
            ? ['chrome-linux', 'headless_shell']
            : b.name === 'ffmpeg'
              ? ['ffmpeg-linux']
              : null;
      if (target === null) continue;
      const dir = join(registry, `${b.name.replaceAll('-', '_')}-${b.revision}`);
      const exe = join(dir, ...target);
      const real = b.name === 'ffmpeg' ? '/usr/bin/ffmpeg' : '/usr/bin/chromium';
      if (!existsSync(real) || existsSync(exe)) continue;
      mkdirSync(dirname(exe), { recursive: true });
      // Newer Playwright puts the headless shell under chrome-headless-shell-linux64.
      symlinkSync(real, exe);
      if (b.name === 'chromium-headless-shell') {
        mkdirSync(join(dir, 'chrome-headless-shell-linux64'), { recursive: true });
        if (!existsSync(join(dir, 'chrome-headless-shell-linux64', 'chrome-headless-shell')))
          symlinkSync(real, join(dir, 'chrome-headless-shell-linux64', 'chrome-headless-shell'));
      }
      if (b.name === 'chromium') {
        mkdirSync(join(dir, 'chrome-linux64'), { recursive: true });
        if (!existsSync(join(dir, 'chrome-linux64', 'chrome')))
          symlinkSync(real, join(dir, 'chrome-linux64', 'chrome'));
      }
      writeFileSync(join(dir, 'INSTALLATION_COMPLETE'), '');
      writeFileSync(join(dir, 'DEPENDENCIES_VALIDATED'), '');
    }
  }
}

const browsersPath = () => join(scratch, 'ms-playwright');

/** @param {string} root @param {string} name @param {(path: string) => boolean} keep @returns {string[]} */
function findFiles(root, name, keep) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ dir, /** @type {number} */ depth) => {
    if (depth > 8) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(path, depth + 1);
      else if ((name === '' || entry.name === name) && keep(path)) out.push(path);
    }
  };
  walk(root, 0);
  return out;
}

// ---------------------------------------------------------------- processes

/**
 * A suite's variables with `{scratch}` (the scratch directory) and `{PATH}` (this process's PATH)
 * filled in: a suite that needs a tool of its own on PATH (yarn for a web server) gets it there.
 * @param {Suite} s @returns {Record<string, string>}
 */
const suiteEnv = (s) => Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, filled(v)]));
/** @param {string} text */
const filled = (text) => text.replaceAll('{scratch}', scratch).replaceAll('{PATH}', process.env.PATH ?? '');

/** @param {string} word */
const q = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * Runs a shell command, its output to this process's stderr (progress), failing on a non-zero exit.
 * @param {string} command @param {string} cwd @param {Record<string, string>} env
 */
function sh(command, cwd, env) {
  return new Promise((ok, no) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (/** @type {Buffer} */ b) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', no);
    child.on('close', (code) =>
      code === 0 ? ok(undefined) : no(new Error(`${command} exited ${code} in ${cwd}:\n${tail}`)),
    );
  });
}

/**
 * Runs a framework directly: its exit code is its own business (failing tests), its report is what counts.
 * @param {string[]} argv @param {string} cwd @param {Record<string, string>} env @param {number} timeoutMs
 * @returns {Promise<{ code: number | null, ms: number, tail: string }>}
 */
function runDirect(argv, cwd, env, timeoutMs) {
  const started = Date.now();
  return new Promise((ok) => {
    const child = spawn(argv[0] ?? 'false', argv.slice(1), {
      cwd,
      env: { ...childEnv({}), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let tail = '';
    const keep = (/** @type {Buffer} */ b) => {
      tail = (tail + b.toString()).slice(-3000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, ms: Date.now() - started, tail });
    });
  });
}

// ---------------------------------------------------------------- keys and verdicts

// Proctor's rule for text the server stores, and its key rule, from the build being measured:
// the direct side's tests are named the way the server names the scenarios, nothing else is shared.
const { storedKey } = await import(join(dirname(flags.bin), 'domain', 'scenario-key.js'));
const { storedText } = await import(join(dirname(flags.bin), 'domain', 'stored-text-rule.js'));

/** The worse of two verdicts (a test reported more than once: several projects, a late failure). @param {Verdict | undefined} a @param {Verdict} b @returns {Verdict} */
const worse = (a, b) =>
  a === 'failed' || b === 'failed' ? 'failed' : a === 'passed' || b === 'passed' ? 'passed' : 'skipped';

/** A result's status as Proctor records it, as a verdict; null when it has none (aborted, not executed). @param {string} status @returns {Verdict | null} */
function proctorVerdict(status) {
  if (status === 'passed' || status === 'flaky') return 'passed';
  if (status === 'failed' || status === 'skipped') return status;
  return null;
}

/**
 * Keys of tests listed in order: the second and later with the same name get ` #2`, ` #3`.
 * @param {string[]} names
 */
function numbered(names) {
  const seen = new Map();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} #${k}`;
  });
}

/** @param {Map<string, Verdict>} into @param {string} key @param {Verdict} v */
const add = (into, key, v) => into.set(key, worse(into.get(key), v));

/** @param {string} cwd @param {string} file */
const rel = (cwd, file) => relative(cwd, resolve(cwd, file)).split('\\').join('/');

const JEST_STATUS = /** @type {Record<string, Verdict>} */ ({
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'skipped',
  todo: 'skipped',
  disabled: 'skipped',
  focused: 'passed',
});

/**
 * Vitest's and Jest's JSON report: keyed file > describe… > title (numbered), a file that failed
 * without tests by the file.
 * @param {string} path @param {string} cwd
 */
function readJestJson(path, cwd) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  for (const file of report.testResults) {
    const f = rel(cwd, file.name);
    const tests = file.assertionResults ?? [];
    if (tests.length === 0 && file.status === 'failed') add(out, storedKey(f), 'failed');
    const broken = file.status === 'failed' && !tests.some((/** @type {any} */ t) => t.status === 'failed');
    const keys = numbered(tests.map((/** @type {any} */ t) => [f, ...t.ancestorTitles, t.title].join(' > ')));
    tests.forEach((/** @type {any} */ t, /** @type {number} */ i) =>
      add(out, storedKey(keys[i]), broken && t.status !== 'passed' ? 'failed' : (JEST_STATUS[t.status] ?? 'failed')),
    );
  }
  return out;
}

/** The JSON document at the end of a file of output (Mocha 8's JSON reporter on stdout), written alone. @param {string} path */
function jsonTail(path) {
  const text = readFileSync(path, 'utf8');
  const at = text.lastIndexOf('{\n  "stats"');
  writeFileSync(`${path}.json`, at === -1 ? text : text.slice(at));
  return `${path}.json`;
}

/**
 * Mocha's JSON reporter: it joins titles with spaces, so both sides are keyed file :: full title (numbered).
 * @param {string} path @param {string} cwd
 */
function readMochaJson(path, cwd) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  const failed = new Set(report.failures.map((/** @type {any} */ t) => `${t.file}\u0001${t.fullTitle}`));
  const pending = new Set(report.pending.map((/** @type {any} */ t) => `${t.file}\u0001${t.fullTitle}`));
  const keys = numbered(
    report.tests.map((/** @type {any} */ t) => `${rel(cwd, t.file)} :: ${storedText(t.fullTitle)}`),
  );
  report.tests.forEach((/** @type {any} */ t, /** @type {number} */ i) => {
    const id = `${t.file}\u0001${t.fullTitle}`;
    add(
      out,
      keys[i],
      failed.has(id) || (t.err && Object.keys(t.err).length > 0) ? 'failed' : pending.has(id) ? 'skipped' : 'passed',
    );
  });
  return out;
}

/**
 * Playwright's JSON reporter: file > describe… > title, a test of several projects folded.
 * @param {string} path @param {string} cwd
 */
function readPlaywrightJson(path, cwd) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  const walk = (/** @type {any} */ suite, /** @type {string[]} */ titles) => {
    for (const spec of suite.specs ?? []) {
      const file = rel(cwd, join(report.config.rootDir, spec.file ?? suite.file));
      for (const t of spec.tests) {
        const last = t.results.at(-1);
        /** @type {Verdict} */
        const v =
          t.status === 'skipped' || !last
            ? 'skipped'
            : t.status === 'expected'
              ? last.status === 'skipped'
                ? 'skipped'
                : 'passed'
              : t.status === 'flaky'
                ? 'passed'
                : 'failed';
        add(out, storedKey([file, ...titles, spec.title].join(' > ')), v);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const fileSuite of report.suites) walk(fileSuite, []);
  return out;
}

/** XML attribute text decoded. @param {string} s */
const unxml = (s) =>
  s.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (_, hex, dec, name) =>
    hex
      ? String.fromCodePoint(parseInt(hex, 16))
      : dec
        ? String.fromCodePoint(Number(dec))
        : { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[/** @type {'amp'} */ (name.toLowerCase())],
  );

/**
 * The test cases of a JUnit XML file: attributes, verdict, system-out. A small reader of its own,
 * so the direct side does not go through Proctor's.
 * @param {string} text
 */
function junitCases(text) {
  const cases = [];
  for (const m of text.matchAll(/<testcase\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    /** @type {Record<string, string>} */
    const attrs = {};
    for (const a of (m[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1] ?? ''] = unxml(a[2] ?? '');
    const body = m[3] ?? '';
    /** @type {Verdict} */
    const verdict = /<(?:failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    const out = /<system-out>([\s\S]*?)<\/system-out>/.exec(body)?.[1] ?? '';
    cases.push({ attrs, verdict, out: unxml(out.replace(/^<!\[CDATA\[|\]\]>$/g, '')) });
  }
  return cases;
}

/**
 * Text as pytest writes it into its JUnit report (bin_xml_escape): both sides are compared in it.
 * @param {string} text
 */
const pytestXml = (text) =>
  text.replace(/[\ud800-\udbff][\udc00-\udfff]|[^\t\n\r\u0020-\ud7ff\ue000-\ufffd]/g, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return `#x${code
      .toString(16)
      .toUpperCase()
      .padStart(code <= 0xff ? 2 : 4, '0')}`;
  });

/**
 * pytest's JUnit report (junit_family=xunit1): file > classes > name, from the file attribute and
 * the classname (the module's dotted path, then the classes).
 * @param {string} path
 */
function readPytestXml(path) {
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  const keyed = junitCases(readFileSync(path, 'utf8')).map(({ attrs, verdict }) => {
    const file = (attrs.file ?? '').replace(/^\.\//, '');
    const module = file.replace(/\.py$/, '').replaceAll('/', '.');
    const classname = attrs.classname ?? '';
    if (classname === '') return { key: file, verdict };
    const classes = classname.startsWith(`${module}.`) ? classname.slice(module.length + 1).split('.') : [];
    return { key: [file, ...classes, attrs.name ?? ''].join(' > '), verdict };
  });
  const keys = numbered(keyed.map((k) => k.key));
  keyed.forEach((k, i) => add(out, storedKey(keys[i]), k.verdict));
  return out;
}

/**
 * The console launcher's legacy XML reports: each case's system-out starts with its unique id,
 * whose class, nested classes and method (a template's invocations folded) make the key.
 * @param {string} dir
 */
function readJUnitLegacy(dir) {
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  for (const name of readdirSync(dir).filter((n) => /^TEST-.*\.xml$/.test(n))) {
    for (const { out: text, verdict } of junitCases(readFileSync(join(dir, name), 'utf8'))) {
      const id = /unique-id: (\S.*)/.exec(text)?.[1]?.trim() ?? '';
      // A unique id URL-encodes what it uses itself: `sum(%5BI)` is `sum([I)`.
      const parts = [...id.matchAll(/\[([\w-]+):([^\]]*(?:\][^/[][^\]]*)*)\]/g)].map((m) => ({
        type: m[1],
        value: decodeURIComponent(m[2] ?? ''),
      }));
      const file = parts.find((p) => p.type === 'class')?.value;
      const method = parts.find((p) => p.type === 'method' || p.type === 'test-template' || p.type === 'test-factory');
      if (file === undefined || method === undefined) continue;
      const nested = parts.filter((p) => p.type === 'nested-class').map((p) => p.value);
      add(out, storedKey([file, ...nested, method.value].join(' > ')), verdict);
    }
  }
  return out;
}

/**
 * node:test's own events (Node 20 and 22 name no file in their TAP or JUnit): a reporter that
 * writes `verdict<TAB>file` per top-level test, folded per file, since Proctor's node:test
 * scenarios are files.
 */
const NODE_TEST_REPORTER = `data:text/javascript,${encodeURIComponent(`export default async function* (source) {
  for await (const e of source) {
    if ((e.type !== 'test:pass' && e.type !== 'test:fail') || (e.data.nesting ?? 0) !== 0 || !e.data.file) continue;
    const v = e.type === 'test:fail' ? 'failed' : e.data.skip !== undefined || e.data.todo !== undefined ? 'skipped' : 'passed';
    yield v + '\\t' + e.data.file + '\\n';
  }
}`)}`;

/** @param {string} path @param {string} cwd */
function readNodeTestLines(path, cwd) {
  /** @type {Map<string, Verdict>} */
  const out = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    const [v, file] = line.split('\t');
    add(out, storedKey(rel(cwd, file ?? '')), /** @type {Verdict} */ (v));
  }
  return out;
}

// ---------------------------------------------------------------- the direct side

/** The JavaScript entry of an npm package's bin, installed for `cwd` (walking up, as npm does). @param {string} cwd @param {string} pkg @param {string} bin */
function packageBin(cwd, pkg, bin) {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(manifest)) {
      const bins = JSON.parse(readFileSync(manifest, 'utf8')).bin;
      return join(dirname(manifest), typeof bins === 'string' ? bins : bins[bin]);
    }
    if (dirname(dir) === dir) return fail(`${pkg} is not installed for ${cwd}: run --prepare`);
  }
}

/**
 * How the framework runs the whole suite by itself, writing its own report into `out`, and how to
 * read that report into verdicts by key.
 * @param {Suite} s @param {string} out
 * @returns {{ argv: string[], env: Record<string, string>, read: () => Map<string, Verdict> }}
 */
function direct(s, out) {
  const cwd = suiteDir(s);
  const o = s.options ?? {};
  const config = typeof o.config === 'string' ? o.config : undefined;
  const extra = s.direct ?? [];
  const env = { ...suiteEnv(s), PLAYWRIGHT_BROWSERS_PATH: browsersPath() };
  const node = process.execPath;
  switch (s.framework) {
    case 'vitest':
      return {
        argv: [
          node,
          packageBin(cwd, 'vitest', 'vitest'),
          'run',
          ...(config ? [`--config=${config}`] : []),
          '--reporter=json',
          `--outputFile=${join(out, 'r.json')}`,
          ...extra,
        ],
        env,
        read: () => readJestJson(join(out, 'r.json'), cwd),
      };
    case 'jest': {
      // `jest --ci` with its JSON report, through Jest's own runCLI so that the tests see the
      // process arguments of a bare `jest` (a suite may parse them: Commander's does).
      const main = createRequire(join(cwd, 'package.json')).resolve('jest');
      const script = `const [main, bin, out, config] = process.argv.slice(2); process.argv = [process.argv[0], bin];
require(main).runCLI({ _: [], $0: 'jest', ci: true, json: true, outputFile: out, ...(config ? { config } : {}) }, [process.cwd()]).then(({ results }) => { process.exitCode = results.success ? 0 : 1; });`;
      // A file, not `node -e`: Jest forks its workers with this process's execArgv.
      writeFileSync(join(out, 'jest-direct.cjs'), script);
      return {
        argv: [
          node,
          join(out, 'jest-direct.cjs'),
          main,
          packageBin(cwd, 'jest', 'jest'),
          join(out, 'r.json'),
          config ?? '',
          ...extra,
        ],
        env,
        read: () => readJestJson(join(out, 'r.json'), cwd),
      };
    }
    case 'mocha': {
      const bin = packageBin(cwd, 'mocha', 'mocha');
      const argv = [node, bin, ...(config ? ['--config', config] : []), '--reporter', 'json'];
      // Mocha's JSON reporter writes to a file from Mocha 9 on; before, to stdout (after what the tests print).
      const major = Number(
        JSON.parse(readFileSync(join(dirname(bin), '..', 'package.json'), 'utf8')).version.split('.')[0],
      );
      if (major >= 9)
        return {
          argv: [...argv, '--reporter-option', `output=${join(out, 'r.json')}`, ...extra],
          env,
          read: () => readMochaJson(join(out, 'r.json'), cwd),
        };
      const stdout = join(out, 'stdout.txt');
      return {
        argv: ['/bin/sh', '-c', `${[...argv, ...extra].map(q).join(' ')} > ${q(stdout)}`],
        env,
        read: () => readMochaJson(jsonTail(stdout), cwd),
      };
    }
    case 'playwright': {
      const projects = [o.project ?? []].flat().map((p) => `--project=${p}`);
      return {
        argv: [
          node,
          packageBin(cwd, '@playwright/test', 'playwright'),
          'test',
          ...(config ? [`--config=${config}`] : []),
          ...projects,
          '--reporter=json',
          ...extra,
        ],
        env: { ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: join(out, 'r.json') },
        read: () => readPlaywrightJson(join(out, 'r.json'), cwd),
      };
    }
    case 'pytest':
      return {
        argv: [
          String(o.python ?? 'python3'),
          '-m',
          'pytest',
          '-p',
          'no:cacheprovider',
          ...[o.args ?? []].flat().map(String),
          '-o',
          'junit_family=xunit1',
          `--junitxml=${join(out, 'r.xml')}`,
          ...extra,
        ],
        env,
        read: () => readPytestXml(join(out, 'r.xml')),
      };
    case 'junit5': {
      const launcher = String(o.launcher ?? '/usr/share/java/junit-platform-console-standalone.jar');
      const sources = [o.sources ?? 'src'].flat().map(String);
      const classpath = [o.classpath ?? []].flat().map(String);
      const cp = [join(out, 'classes'), ...classpath].join(':');
      const compile = `find ${sources.map(q).join(' ')} -name '*.java' > ${q(join(out, 'sources.txt'))} && javac -encoding UTF-8 -nowarn -d ${q(join(out, 'classes'))} -cp ${q([launcher, ...classpath].join(':'))} @${q(join(out, 'sources.txt'))}`;
      const run = `java -jar ${q(launcher)} --disable-banner --details=summary --class-path=${q(cp)} --scan-class-path=${q(join(out, 'classes'))} --reports-dir=${q(join(out, 'reports'))} ${extra.map(q).join(' ')}`;
      return {
        argv: ['/bin/sh', '-c', `${compile} && ${run}`],
        env,
        read: () => readJUnitLegacy(join(out, 'reports')),
      };
    }
    case 'node-test': {
      // The files the plan's globs name (node 20 takes no globs): what the suite's own runner runs.
      const include = picomatch([o.include ?? ['**/*.test.{js,mjs,cjs}', '**/test/**/*.{js,mjs}']].flat().map(String));
      const files =
        extra.length > 0
          ? extra
          : findFiles(cwd, '', (p) => !p.includes('/node_modules/') && include(rel(cwd, p)))
              .map((p) => rel(cwd, p))
              .sort();
      return {
        argv: [
          node,
          '--test',
          `--test-reporter=${NODE_TEST_REPORTER}`,
          `--test-reporter-destination=${join(out, 'r.txt')}`,
          ...files,
        ],
        env,
        read: () => readNodeTestLines(join(out, 'r.txt'), cwd),
      };
    }
    default:
      return fail(`${s.name}: no direct run for framework ${s.framework}`);
  }
}

/** @param {Suite} s */
async function runDirectTwice(s) {
  const runs = [];
  for (const n of [1, 2]) {
    const out = tempDir(`corpus-${s.name}-direct-`);
    const d = direct(s, out);
    log(
      `${s.name}: direct run ${n}/2: ${d.argv
        .slice(0, 3)
        .map((a) => (a.length > 80 ? `${a.slice(0, 77)}…` : a))
        .join(' ')} …`,
    );
    const r = await runDirect(d.argv, suiteDir(s), d.env, 3_600_000);
    let verdicts;
    try {
      verdicts = d.read();
    } catch (e) {
      throw new Error(
        `${s.name}: the direct run wrote no readable report (exit ${r.code}): ${/** @type {Error} */ (e).message}\n${r.tail}`,
      );
    }
    // A run that reports no test is no verdict on any (a crashed launcher), not a suite of flaky tests.
    if (verdicts.size === 0)
      throw new Error(`${s.name}: direct run ${n}/2 reported no test (exit ${r.code}):\n${r.tail}`);
    log(`${s.name}: direct run ${n}/2: ${verdicts.size} tests in ${(r.ms / 1000).toFixed(1)} s (exit ${r.code})`);
    runs.push({ verdicts, ms: r.ms });
    rmSync(out, { recursive: true, force: true });
  }
  const [a, b] = /** @type {[typeof runs[0], typeof runs[0]]} */ (runs);
  const flaky = [...new Set([...a.verdicts.keys(), ...b.verdicts.keys()])]
    .filter((k) => a.verdicts.get(k) !== b.verdicts.get(k))
    .sort();
  return { verdicts: a.verdicts, flaky, ms: (a.ms + b.ms) / 2 };
}

// ---------------------------------------------------------------- through Proctor

/** @param {Suite} s @param {string} mode */
const planName = (s, mode) =>
  `corpus-${s.name}${mode === 'queue' ? '-queue' : ''}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');

/** Starts `proctor serve` with its embedded agent on one slot, the scratch directory as its workdir. */
async function startProctor() {
  const token = adminToken();
  const port = await freePort();
  const dataDir = tempDir('corpus-proctor-');
  const args = [
    flags.bin,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--local-slots',
    '1',
    '--workdir',
    scratch,
    '--log-level',
    'warn',
  ];
  const server = spawnChild(
    'proctor serve',
    args,
    childEnv({ PROCTOR_ADMIN_TOKEN: token, PLAYWRIGHT_BROWSERS_PATH: browsersPath() }),
  );
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (server.status.exited) fail(`proctor serve exited during start-up:\n${server.output.join('\n')}`);
    if (
      await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) fail('proctor serve did not answer within 60 s');
    await sleep(100);
  }
  return client(base, token);
}

/**
 * Applies the plans of these suites: one environment per suite (its variables), one plan per mode.
 * @param {ReturnType<typeof client>} call @param {Suite[]} list
 */
async function applyPlans(call, list) {
  const environments = Object.fromEntries(
    list.map((s) => [`corpus-${s.name}`, { platform: 'api', variables: suiteEnv(s) }]),
  );
  /** @type {Record<string, unknown>} */
  const plans = {};
  for (const s of list) {
    for (const mode of modes) {
      if (mode === 'queue' && !WORKERS.has(s.framework)) continue;
      const options = { ...(s.options ?? {}), ...(mode === 'queue' ? { worker: true } : {}) };
      plans[planName(s, mode)] = {
        framework: s.framework,
        workdir: join(s.name, s.workdir ?? '.'),
        environments: [`corpus-${s.name}`],
        timeout: s.timeout ?? '60m',
        options,
        ...(s.scenarios ? { scenarios: s.scenarios } : {}),
      };
    }
  }
  await call('POST', '/api/v1/apply', JSON.stringify({ environments, plans }), 200, { yaml: true });
}

/** What an agent keeps between runs of an unchanged tree: its discoveries, its compiled JUnit classes. */
function forgetAgentCaches() {
  rmSync(join(scratch, '.proctor', 'discovery'), { recursive: true, force: true });
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith('proctor-junit5-classes-')) rmSync(join(tmpdir(), name), { recursive: true, force: true });
}

/**
 * One run of a plan to its end: its wall time from the trigger and its results by key.
 * @param {ReturnType<typeof client>} call @param {Suite} s @param {string} mode
 */
async function runThroughProctor(call, s, mode) {
  const started = Date.now();
  const run = await call('POST', `/api/v1/plans/${planName(s, mode)}/runs`, {}, 202);
  let said = 0;
  for (;;) {
    const r = await call('GET', `/api/v1/runs/${run.id}`);
    if (r.status === 'completed' || r.status === 'cancelled') break;
    if (Date.now() - said > 10_000) {
      said = Date.now();
      const counts = Object.entries(r.counts ?? {})
        .filter(([k, v]) => k !== 'total' && v)
        .map(([k, v]) => `${v} ${k}`);
      log(
        `${s.name} (${mode}): run ${run.id} after ${Math.round((Date.now() - started) / 1000)} s: ${r.counts?.total ?? 0} scenarios${counts.length ? `, ${counts.join(', ')}` : ''}`,
      );
    }
    await sleep(250);
  }
  const ms = Date.now() - started;
  /** @type {any[]} */
  const rows = [];
  for (let cursor = ''; ; ) {
    const page = await call(
      'GET',
      `/api/v1/runs/${run.id}/results?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    rows.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const jobs = (await call('GET', `/api/v1/runs/${run.id}/jobs`)).items;
  return { ms, rows, jobs, runId: run.id };
}

/**
 * A Proctor result's key as the direct side names its test (see the readers above).
 * @param {Suite} s @param {{ key: string, file: string, path: string[] }} scenario
 */
function comparisonKey(s, scenario) {
  if (s.framework === 'mocha') {
    const base = [scenario.file, ...scenario.path].join(' > ');
    const occurrence = scenario.key.startsWith(base) ? scenario.key.slice(base.length) : '';
    return `${scenario.file} :: ${scenario.path.join(' ')}${occurrence}`;
  }
  if (s.framework === 'pytest') return pytestXml(scenario.key);
  return scenario.key;
}

// ---------------------------------------------------------------- comparing and printing

/**
 * How Proctor's results compare with the direct run's verdicts (flaky tests left out).
 * @param {Suite} s @param {Map<string, Verdict>} want @param {Set<string>} flaky @param {any[]} rows
 */
function compare(s, want, flaky, rows) {
  /** @type {Map<string, Verdict | null>} */
  const got = new Map();
  /** @type {Map<string, string>} */
  const messages = new Map();
  for (const r of rows) {
    const key = comparisonKey(s, r.scenario);
    if (r.message) messages.set(key, String(r.message).split('\n', 1)[0] ?? '');
    const v = proctorVerdict(r.status);
    const before = got.get(key);
    got.set(key, before === undefined ? v : before === null || v === null ? null : worse(before, v));
  }
  const c = {
    tests: 0,
    same: 0,
    different: /** @type {string[]} */ ([]),
    missing: /** @type {string[]} */ ([]),
    extra: /** @type {string[]} */ ([]),
    aborted: /** @type {string[]} */ ([]),
  };
  for (const [key, v] of want) {
    if (flaky.has(key)) continue;
    c.tests += 1;
    if (!got.has(key)) c.missing.push(key);
    else if (got.get(key) === null)
      c.aborted.push(`${key}${messages.has(key) ? ` (${messages.get(key)?.slice(0, 200)})` : ''}`);
    else if (got.get(key) === v) c.same += 1;
    else
      c.different.push(
        `${key}: ${v} directly, ${got.get(key)} through Proctor${messages.has(key) ? ` (${messages.get(key)?.slice(0, 200)})` : ''}`,
      );
  }
  for (const key of got.keys()) if (!want.has(key) && !flaky.has(key)) c.extra.push(key);
  return c;
}

/** A key for a table: one line, not too long. @param {string} key */
const shown = (key) => {
  const line = JSON.stringify(key).slice(1, -1);
  return line.length > 400 ? `${line.slice(0, 200)}…${line.slice(-150)}` : line;
};

/**
 * How a run went, by its jobs: \`suite\` when its discovery ran the whole suite (see
 * src/queue/suite-run.ts), else \`discovery\`, then \`+N\` jobs after it.
 * @param {{ kind: string, scenario_count: number }[]} jobs
 */
function jobShape(jobs) {
  const first = jobs[0];
  const opening = first?.kind === 'discover' && first.scenario_count > 0 ? 'suite' : 'discovery';
  return `${opening}+${jobs.length - 1}`;
}

/**
 * @param {Suite} s
 * @param {{ tests: number, flaky: string[], ms: number }} d
 * @param {{ mode: string, c: ReturnType<typeof compare>, ms: number, jobs: any[] }[]} results
 */
function printSuite(s, d, results) {
  const lines = [`\n${s.name} (${s.framework}, ${s.repo}@${s.commit.slice(0, 10)})`];
  lines.push('mode             tests   same  different  missing  extra  aborted  direct s  proctor s  ratio  jobs');
  for (const { mode, c, ms, jobs } of results) {
    const row = [
      mode.padEnd(14),
      String(c.tests).padStart(6),
      String(c.same).padStart(6),
      String(c.different.length).padStart(10),
      String(c.missing.length).padStart(8),
      String(c.extra.length).padStart(6),
      String(c.aborted.length).padStart(8),
      (d.ms / 1000).toFixed(1).padStart(9),
      (ms / 1000).toFixed(1).padStart(10),
      (ms / d.ms).toFixed(2).padStart(6),
      ` ${jobShape(jobs)}`,
    ];
    lines.push(row.join(' '));
  }
  lines.push(
    `same verdict: ${results.map(({ mode, c }) => `${mode} ${c.tests === 0 ? '-' : ((100 * c.same) / c.tests).toFixed(1)} %`).join(', ')}`,
  );
  lines.push(
    `flaky (their verdict differs between the two direct runs; not counted): ${d.flaky.length === 0 ? 'none' : d.flaky.map(shown).join('; ')}`,
  );
  for (const { mode, c, jobs } of results) {
    for (const [what, list] of /** @type {const} */ ([
      ['different', c.different],
      ['missing', c.missing],
      ['extra', c.extra],
      ['aborted', c.aborted],
    ])) {
      if (list.length > 0)
        lines.push(
          `  ${mode} ${what} (${list.length}): ${list.slice(0, 8).map(shown).join('; ')}${list.length > 8 ? '; …' : ''}`,
        );
    }
    const broken = jobs.filter((j) => j.status !== 'completed');
    if (broken.length > 0)
      lines.push(
        `  ${mode} jobs not completed (${broken.length}): ${broken
          .slice(0, 3)
          .map((j) => `${j.kind} ${j.status}: ${String(j.error ?? '').slice(0, 300)}`)
          .join(' | ')}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- main

await runBench(Number(flags['time-limit']), async () => {
  if (flags.prepare || flags['prepare-only']) {
    for (const s of suites) await prepare(s);
    if (flags['prepare-only']) return;
  }
  const unprepared = suites.filter((s) => !existsSync(join(checkout(s), '.proctor-corpus-prepared')));
  if (unprepared.length > 0)
    fail(`not prepared: ${unprepared.map((s) => s.name).join(', ')}: run node bench/corpus.mjs --prepare`);
  const call = await startProctor();
  await applyPlans(call, suites);
  /** @type {unknown[]} */
  const summary = [];
  for (const s of suites) {
    const d = await runDirectTwice(s);
    const flaky = new Set(d.flaky);
    const results = [];
    for (const mode of modes) {
      if (mode === 'queue' && !WORKERS.has(s.framework)) continue;
      // The first run has no durations to schedule by; the second has the first's.
      for (const round of ['cold', 'warm']) {
        // A first run knows nothing: neither durations nor a discovery the agent could reuse, nor
        // JUnit classes it compiled before (see src/adapters/junit5-class-cache.ts).
        if (round === 'cold') forgetAgentCaches();
        log(
          `${s.name}: through Proctor (${mode === 'queue' ? 'queue mode' : 'a process per job'}, one slot, ${round === 'cold' ? 'no history' : 'with history'})`,
        );
        const p = await runThroughProctor(call, s, mode);
        const c = compare(s, d.verdicts, flaky, p.rows);
        log(`${s.name} (${mode}, ${round}): ${c.same}/${c.tests} same verdict in ${(p.ms / 1000).toFixed(1)} s`);
        results.push({ mode: `${mode}/${round}`, c, ms: p.ms, jobs: p.jobs });
      }
    }
    printSuite(s, { tests: d.verdicts.size, flaky: d.flaky, ms: d.ms }, results);
    summary.push({
      suite: s.name,
      framework: s.framework,
      direct_ms: d.ms,
      flaky: d.flaky,
      modes: results.map((r) => ({ mode: r.mode, ms: r.ms, ...r.c })),
    });
  }
  if (flags.json) writeFileSync(flags.json, JSON.stringify(summary, null, 2));
});
