// How long `npm start` takes, with nothing changed since the last build, until Proctor prints that
// it is running (the demo applied, the embedded agent up). Run `npm run build` first.
//   node bench/start-time.mjs [--runs 5]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5;
const dataDir = mkdtempSync(join(tmpdir(), 'proctor-start-bench-'));
const port = await new Promise((done) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => done(p));
  });
});

async function once() {
  const began = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, PROCTOR_DATA_DIR: dataDir, PROCTOR_PORT: String(port), PROCTOR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  const ms = await new Promise((done, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Proctor is running')) done(performance.now() - began);
    });
    child.on('exit', (code) => fail(new Error(`npm start exited ${code} before it was up:\n${out}`)));
  });
  child.removeAllListeners('exit');
  process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, built: out.includes('building') };
}

const times = [];
for (let i = 0; i < runs + 1; i++) {
  const { ms, built } = await once();
  // The first start creates the database and may build: the figure is for restarts.
  if (i === 0)
    process.stdout.write(`first start (creates the database${built ? ', builds' : ''}): ${Math.round(ms)} ms\n`);
  else times.push(ms);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
process.stdout.write(
  `restart with nothing changed, ${runs} runs: median ${Math.round(median)} ms, max ${Math.round(times.at(-1))} ms (target < 2000 ms)\n`,
);
