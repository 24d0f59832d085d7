// `npm test`: makes sure the machine has what the tests run (real browsers, frameworks and a
// PostgreSQL server: scripts/test-postgres.mjs), then builds, type-checks and runs every test.
// What is missing is installed from Debian's packages when this runs as root or with passwordless
// sudo; otherwise it says exactly what to install and stops. Arguments go to vitest:
// `npm test -- test/server/api.test.ts`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePostgres, localMachine, privileged } from './test-postgres.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env };
const say = (line) => process.stdout.write(`proctor test: ${line}\n`);

const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', env }).status === 0;
const has = (cmd) => ok('sh', ['-c', `command -v ${cmd}`]);
const debianPackage = (name) => ok('dpkg', ['-s', name]);
/** Root, or passwordless sudo: what is missing is installed; null: it is only named. */
const admin = privileged(env);

/** What the suite needs from the system, and the Debian package that brings each. */
const NEEDS = [
  { what: 'git', present: () => has('git'), pkg: 'git' },
  { what: 'psql and pg_isready', present: () => has('pg_isready'), pkg: 'postgresql-client' },
  { what: 'Chromium (the dashboard and Playwright tests)', present: () => has('chromium'), pkg: 'chromium' },
  { what: "ffmpeg (Playwright's videos)", present: () => has('ffmpeg'), pkg: 'ffmpeg' },
  {
    what: 'pytest',
    present: () =>
      ok('python3', ['-m', 'pytest', '--version']) || ok('/usr/bin/python3', ['-m', 'pytest', '--version']),
    pkg: 'python3-pytest',
  },
  { what: 'a JDK (javac)', present: () => has('javac'), pkg: 'default-jdk-headless' },
  {
    what: "JUnit 5's console launcher",
    present: () => existsSync('/usr/share/java/junit-platform-console-standalone.jar') || debianPackage('junit5'),
    pkg: 'junit5',
  },
  { what: 'tmux (the CLI live view is tested in a real terminal)', present: () => has('tmux'), pkg: 'tmux' },
];

function installMissing() {
  const missing = NEEDS.filter((n) => !n.present());
  if (missing.length === 0) return;
  const pkgs = missing.map((n) => n.pkg);
  if (!admin) {
    process.stderr.write(
      `proctor test: the tests need ${missing.map((n) => n.what).join('; ')}.\n` +
        `Install them, then run npm test again:\n  sudo apt-get install -y ${pkgs.join(' ')}\n`,
    );
    process.exit(2);
  }
  say(`installing ${pkgs.join(' ')} from Debian's packages…`);
  admin.run(['apt-get', 'update', '-qq']);
  admin.run(['apt-get', 'install', '-y', '-qq', ...pkgs]);
}

/** A python3 first on PATH without pytest (pyenv, a venv) would hide Debian's: put Debian's first. */
function preferPythonWithPytest() {
  if (ok('python3', ['-m', 'pytest', '--version']) || !ok('/usr/bin/python3', ['-m', 'pytest', '--version'])) return;
  const shim = mkdtempSync(join(tmpdir(), 'proctor-python-'));
  symlinkSync('/usr/bin/python3', join(shim, 'python3'));
  env.PATH = `${shim}:${env.PATH}`;
}

/**
 * Playwright records video with an ffmpeg it would download to
 * `<registry>/ffmpeg-<revision>/ffmpeg-linux`; link Debian's there (a downloaded one is left alone).
 */
function linkFfmpeg() {
  const browsers = join(root, 'node_modules', 'playwright-core', 'browsers.json');
  if (!existsSync(browsers) || !has('ffmpeg')) return;
  const revision = JSON.parse(readFileSync(browsers, 'utf8')).browsers.find((b) => b.name === 'ffmpeg')?.revision;
  const registry =
    env.PLAYWRIGHT_BROWSERS_PATH ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ms-playwright');
  const dir = join(registry, `ffmpeg-${revision}`);
  if (existsSync(join(dir, 'ffmpeg-linux'))) return;
  mkdirSync(dir, { recursive: true });
  symlinkSync(execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim(), join(dir, 'ffmpeg-linux'));
}

function step(args) {
  const r = spawnSync('npm', ['run', '--silent', ...args], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

installMissing();
// A PROCTOR_TEST_DATABASE_URL of one's own is that server's business, not this machine's.
if (!env.PROCTOR_TEST_DATABASE_URL) ensurePostgres(localMachine(env, admin), say);
preferPythonWithPytest();
linkFfmpeg();
step(['build']);
step(['typecheck']);
// Biome: the linter and the formatter (`npm run format` applies both).
step(['lint']);
const vitest = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(vitest.status ?? 1);
