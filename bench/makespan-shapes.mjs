// @ts-check
/**
 * The suites bench/makespan.mjs runs (issue 18, "a bench of shapes"): each shape's seeds and
 * parameters are constants chosen before anything was measured, and stay as they are when a shape
 * does badly (a bad ratio is a finding). A shape says its framework, the modes it runs in, its
 * environments (each with a factor its runner multiplies every sleep by), what every job process
 * pays before its first test, and its files with their tests' durations. This module writes a
 * shape's suite, the commands that run a list of its files (the plan's and the static split's),
 * and computes its bound; it starts no server.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { drawDurations, prng } from './durations.mjs';

/**
 * @typedef {'queue' | 'process'} Mode
 * @typedef {'command' | 'node-test' | 'vitest'} Framework
 * @typedef {{ name: string, factor: number }} Env
 * @typedef {{ file: string, tests: number[] }} SuiteFile  durations in ms at factor 1
 * @typedef {{ name: string, about: string, framework: Framework, modes: Mode[], envs: Env[], startMs: number, files: SuiteFile[] }} Shape
 */

/** The Vitest of this repository (a dev dependency): the queue-tests shape and its static split run it. */
export const VITEST_BIN = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

const LOCAL = [{ name: 'local', factor: 1 }];

/** One scenario file per duration, named sNNNN in draw order. @param {number[]} ms @param {string} ext */
const oneTestFiles = (ms, ext) =>
  ms.map((d, i) => ({ file: `tests/s${String(i + 1).padStart(4, '0')}.${ext}`, tests: [d] }));

/**
 * The shapes, in the order they run. `custom` (the single-shape flags of bench/makespan.mjs) is a
 * many-short suite with other parameters.
 * @param {{ scenarios: number, seed: number, medianMs: number, sigma: number, framework: 'command' | 'node-test' }} custom
 * @returns {Record<string, Shape>}
 */
export function buildShapes(custom) {
  // 1. Many short scenarios: the suite bench/makespan.mjs always ran (≈ 77 s of work, longest 6 s).
  const manyShort = drawDurations({ seed: 42, scenarios: 400, medianMs: 110, sigma: 1.1, maxMs: 6_000 });

  // 2. A heavy tail: 120 scenarios and one of 1.3 × total / 8 (its own time included in the total),
  //    at a seeded place in discovery order, so the bound is the longest scenario.
  const tail = drawDurations({ seed: 7, scenarios: 120, medianMs: 300, sigma: 1.0, maxMs: 6_000 });
  const tailSum = tail.reduce((a, b) => a + b, 0);
  const longOne = Math.round((1.3 * tailSum) / (8 - 1.3));
  const at = Math.floor(prng(8)() * (tail.length + 1));
  tail.splice(at, 0, longOne);

  // 3. node:test files, a process per file: 120 files of one test, lognormal, scaled to 160 s of
  //    work (the issue's suite: longest 13.9 s, bound 20 s on 8 slots).
  const nodeDraw = drawDurations({ seed: 18, scenarios: 120, medianMs: 1_000, sigma: 1.2, maxMs: 60_000 });
  const nodeSum = nodeDraw.reduce((a, b) => a + b, 0);
  const nodeFiles = nodeDraw.map((d) => Math.max(5, Math.round((d * 160_000) / nodeSum)));

  // 4. A fixed start: every job process sleeps 2 s before its first file (a browser launch); in
  //    queue mode once per worker.
  const fixed = drawDurations({ seed: 4, scenarios: 200, medianMs: 150, sigma: 1.0, maxMs: 6_000 });

  // 5. Two environments, the second 2× slower (its runner multiplies every sleep by 2).
  const twoEnvs = drawDurations({ seed: 5, scenarios: 200, medianMs: 110, sigma: 1.1, maxMs: 6_000 });

  // 6. Test-level scenarios in queue mode: 16 Vitest files of 10–50 sleeping tests each; a file's
  //    tests stay in one job, so the indivisible unit is the file.
  const countOf = prng(6);
  const counts = Array.from({ length: 16 }, () => 10 + Math.floor(countOf() * 41));
  const testMs = drawDurations({
    seed: 6,
    scenarios: counts.reduce((a, b) => a + b, 0),
    medianMs: 60,
    sigma: 0.8,
    maxMs: 2_000,
  });
  let next = 0;
  const vitestFiles = counts.map((n, i) => ({
    file: `tests/f${String(i + 1).padStart(2, '0')}.test.mjs`,
    tests: testMs.slice(next, (next += n)),
  }));

  const customDraw = drawDurations({
    seed: custom.seed,
    scenarios: custom.scenarios,
    medianMs: custom.medianMs,
    sigma: custom.sigma,
    maxMs: 6_000,
  });

  /** @type {Shape[]} */
  const list = [
    {
      name: 'many-short',
      about: '400 scenarios, lognormal (median 110 ms, σ 1.1, seed 42, at most 6 s)',
      framework: 'command',
      modes: ['queue', 'process'],
      envs: LOCAL,
      startMs: 0,
      files: oneTestFiles(manyShort, 'sleep'),
    },
    {
      name: 'heavy-tail',
      about: `120 scenarios, lognormal (median 300 ms, σ 1.0, seed 7), and one of 1.3 × total / 8 = ${longOne} ms, file ${at + 1} of 121 in discovery order`,
      framework: 'command',
      modes: ['process', 'queue'],
      envs: LOCAL,
      startMs: 0,
      files: oneTestFiles(tail, 'sleep'),
    },
    {
      name: 'node-test-files',
      about: '120 node:test files of one test, lognormal (median 1 s, σ 1.2, seed 18) scaled to 160 s of work',
      framework: 'node-test',
      modes: ['process'],
      envs: LOCAL,
      startMs: 0,
      files: oneTestFiles(nodeFiles, 'test.mjs'),
    },
    {
      name: 'fixed-start',
      about: '200 scenarios, lognormal (median 150 ms, σ 1.0, seed 4); every job process sleeps 2 s first',
      framework: 'command',
      modes: ['process', 'queue'],
      envs: LOCAL,
      startMs: 2_000,
      files: oneTestFiles(fixed, 'sleep'),
    },
    {
      name: 'two-envs',
      about: '200 scenarios, lognormal (median 110 ms, σ 1.1, seed 5) in environments fast (× 1) and slow (× 2)',
      framework: 'command',
      modes: ['process', 'queue'],
      envs: [
        { name: 'fast', factor: 1 },
        { name: 'slow', factor: 2 },
      ],
      startMs: 0,
      files: oneTestFiles(twoEnvs, 'sleep'),
    },
    {
      name: 'queue-tests',
      about: `16 Vitest files of 10–50 tests (${counts.join(',')}; seed 6), tests lognormal (median 60 ms, σ 0.8, seed 6)`,
      framework: 'vitest',
      modes: ['queue'],
      envs: LOCAL,
      startMs: 0,
      files: vitestFiles,
    },
    {
      name: 'custom',
      about: `${custom.scenarios} scenarios, lognormal (median ${custom.medianMs} ms, σ ${custom.sigma}, seed ${custom.seed})`,
      framework: custom.framework,
      modes: custom.framework === 'command' ? ['queue', 'process'] : ['process'],
      envs: LOCAL,
      startMs: 0,
      files: oneTestFiles(customDraw, custom.framework === 'command' ? 'sleep' : 'test.mjs'),
    },
  ];
  return Object.fromEntries(list.map((s) => [s.name, s]));
}

// ---------------------------------------------------------------- writing a suite

/**
 * The command framework's runner: sleeps each file's duration times SLEEP_FACTOR in turn, then
 * writes JUnit naming each file; first, once per process, it sleeps START_MS (a browser launch).
 * It also appends when its process began, when its script began and ended to timings.jsonl, so
 * the bench can tell where a job's time went between the claim and the completion.
 */
const RUNNER = `import { appendFileSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
const factor = Number(process.env.SLEEP_FACTOR ?? 1);
const startMs = Number(process.env.START_MS ?? 0);
const nap = (ms) => new Promise((r) => setTimeout(r, ms));
async function run(files, reportDir, origin) {
  const start = Date.now();
  const cases = [];
  for (const file of files) {
    const ms = Number(readFileSync(file, 'utf8')) * factor;
    const t0 = performance.now();
    await nap(ms);
    cases.push(\`<testcase name="\${file}" classname="sleep" file="\${file}" time="\${((performance.now() - t0) / 1000).toFixed(4)}"/>\`);
  }
  if (reportDir !== '-') writeFileSync(reportDir + '/sleeps.xml', \`<testsuites><testsuite name="sleep">\${cases.join('')}</testsuite></testsuites>\\n\`);
  if (files.length) appendFileSync('timings.jsonl', JSON.stringify({ pid: process.pid, job: process.env.PROCTOR_JOB_ID, first: files[0], origin, start, end: Date.now() }) + '\\n');
}
if (startMs > 0) await nap(startMs);
if (process.argv[2] === '--worker') {
  // Queue mode: one batch per line on stdin; a line on fd 3 says the batch's report is written.
  let origin = performance.timeOrigin;
  for await (const line of createInterface({ input: process.stdin })) {
    const batch = JSON.parse(line);
    await run(batch.files, batch.report_dir, origin ?? Date.now());
    origin = undefined;
    writeSync(3, '\\n');
  }
} else {
  const [reportDir, ...files] = process.argv.slice(2);
  await run(files, reportDir, performance.timeOrigin);
}
`;

const SLEEP = 'await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_FACTOR ?? 1) * ms));';

/** @param {string} name @param {number} ms */
const nodeTestFile = (name, ms) =>
  `import { test } from 'node:test';\nconst ms = ${ms};\ntest('${name}', async () => { ${SLEEP} });\n`;

/** @param {number[]} tests */
const vitestFile = (tests) =>
  `import { test } from 'vitest';\nfor (const [i, ms] of ${JSON.stringify(tests)}.entries())\n  test(\`t\${String(i + 1).padStart(3, '0')}\`, async () => { ${SLEEP} });\n`;

/**
 * Writes a shape's suite into `dir`: its test files, the command runner, Vitest configs, and
 * `calibrate/`: ten empty files of its framework (z0–z9), which the warm-up plans and the
 * calibration run.
 * @param {string} dir @param {Shape} shape
 */
export function writeSuite(dir, shape) {
  mkdirSync(join(dir, 'tests'), { recursive: true });
  mkdirSync(join(dir, 'calibrate'));
  writeFileSync(join(dir, 'run-sleeps.mjs'), RUNNER);
  writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['tests/*.test.mjs'] } };\n`);
  writeFileSync(
    join(dir, 'vitest.calibrate.mjs'),
    `export default { test: { include: ['calibrate/*.vitest.mjs'] } };\n`,
  );
  for (const f of shape.files) {
    const name = f.file.replace(/^tests\/|\..*$/g, '');
    const text =
      shape.framework === 'command'
        ? String(f.tests[0])
        : shape.framework === 'node-test'
          ? nodeTestFile(name, /** @type {number} */ (f.tests[0]))
          : vitestFile(f.tests);
    writeFileSync(join(dir, f.file), text);
  }
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(dir, `calibrate/z${i}.sleep`), '0');
    writeFileSync(join(dir, `calibrate/z${i}.test.mjs`), nodeTestFile(`z${i}`, 0));
    writeFileSync(join(dir, `calibrate/z${i}.vitest.mjs`), vitestFile([0]));
  }
}

/**
 * The shell command that runs `files` of a shape's suite in one process (the static split's shards,
 * and the calibration): what the plan's one-shot jobs run too, less Proctor's reporter flags.
 * @param {Framework} framework @param {string[]} files @param {string} reportDir @param {string} [vitestConfig]
 */
export function runCommand(framework, files, reportDir, vitestConfig = 'vitest.config.mjs') {
  const node = `'${process.execPath}'`;
  if (framework === 'command') return `${node} run-sleeps.mjs ${reportDir} ${files.join(' ')}`;
  if (framework === 'node-test') return `${node} --test ${files.join(' ')}`;
  return `${node} '${VITEST_BIN}' run --config ${vitestConfig} --reporter=dot ${files.join(' ')}`;
}

/**
 * The plans' `options` for a shape in a mode: the suite's tests, or (`warmup`) one empty file.
 * @param {Shape} shape @param {Mode} mode @param {boolean} warmup
 */
export function planOptions(shape, mode, warmup) {
  const node = `'${process.execPath}'`;
  if (shape.framework === 'command') {
    const cmd = `${shape.startMs > 0 ? `START_MS=${shape.startMs} ` : ''}${node} run-sleeps.mjs`;
    const glob = warmup ? 'calibrate/z0.sleep' : 'tests/*.sleep';
    return `{ command: "${cmd} {report_dir} {files}", discover: ["${glob}"]${mode === 'queue' ? `, worker: "${cmd} --worker"` : ''} }`;
  }
  if (shape.framework === 'node-test')
    return `{ include: ["${warmup ? 'calibrate/z0.test.mjs' : 'tests/*.test.mjs'}"] }`;
  return `{ config: "${warmup ? 'vitest.calibrate.mjs' : 'vitest.config.mjs'}"${mode === 'queue' ? ', worker: true' : ''} }`;
}

// ---------------------------------------------------------------- calibration and the bound

/** CPU time (user + system) of this process's waited-for children so far, in ms (Linux). */
export function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime, cstime in clock ticks
}

/**
 * What a job process of the framework costs with nothing to do, alone: wall and CPU of one empty
 * file and, from ten, of each further file (medians of `repeat` runs; CPU from this process's
 * children's times, so it counts every process the command starts).
 * @param {string} dir @param {Framework} framework
 */
export function calibrate(dir, framework, repeat = 3) {
  const ext = { command: 'sleep', 'node-test': 'test.mjs', vitest: 'vitest.mjs' }[framework];
  /** @param {string[]} files */
  const measure = (files) => {
    const cmd = runCommand(framework, files, '-', 'vitest.calibrate.mjs');
    const runs = Array.from({ length: repeat }, () => {
      const c0 = childrenCpuMs();
      const t0 = performance.now();
      execFileSync('/bin/sh', ['-c', cmd], { cwd: dir, stdio: 'ignore' });
      return { wall: performance.now() - t0, cpu: childrenCpuMs() - c0 };
    });
    const mid = (/** @type {number[]} */ xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    return { wall: mid(runs.map((r) => r.wall)), cpu: mid(runs.map((r) => r.cpu)) };
  };
  const one = measure([`calibrate/z0.${ext}`]);
  const ten = measure(Array.from({ length: 10 }, (_, i) => `calibrate/z${i}.${ext}`));
  return {
    jobWallMs: one.wall,
    jobCpuMs: one.cpu,
    fileWallMs: Math.max(0, (ten.wall - one.wall) / 9),
    fileCpuMs: Math.max(0, (ten.cpu - one.cpu) / 9),
  };
}

/**
 * The lower bound of a run's makespan on `slots` slots and `cores` cores: what every slot's process
 * pays before its first test (`startMs`, a sleep), then the largest of the longest indivisible unit
 * (a file: its tests share a job), the work per slot, and the CPU the job processes need at least
 * (one job process per environment and one file's start per further file) per core.
 * @param {{ units: number[], startMs: number, cpuMs: number, slots: number, cores: number }} o
 */
export function bound(o) {
  const parts = {
    longest: Math.max(...o.units),
    'total / slots': o.units.reduce((a, b) => a + b, 0) / o.slots,
    'CPU / cores': o.cpuMs / o.cores,
  };
  const [by, ms] = /** @type {[string, number]} */ (Object.entries(parts).sort((a, b) => b[1] - a[1])[0]);
  return { s: (o.startMs + ms) / 1000, by: o.startMs > 0 ? `${o.startMs / 1000} s start + ${by}` : by, parts };
}

/** Each file × environment's drawn work (ms, with the environment's factor). @param {Shape} shape */
export const drawnUnits = (shape) =>
  shape.envs.flatMap((e) => shape.files.map((f) => f.tests.reduce((a, b) => a + b, 0) * e.factor));

/** The least CPU the job processes of a run need (ms). @param {Shape} shape @param {{ jobCpuMs: number, fileCpuMs: number }} cal */
export const minimumCpuMs = (shape, cal) =>
  shape.envs.length * cal.jobCpuMs + (shape.files.length - 1) * shape.envs.length * cal.fileCpuMs;
