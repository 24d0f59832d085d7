// PostgreSQL for `npm test` (scripts/test.mjs). The suite's PostgreSQL half connects to
// postgres://postgres@127.0.0.1:5432/test without a password (test/support/dialects.ts). On a fresh
// Debian machine with root or passwordless sudo, this makes that true: it installs the server when
// none is installed, creates and starts its cluster, lets user postgres in from 127.0.0.1 without a
// password when it is refused, and creates the database `test`. A server that was already reachable
// is never reconfigured: only its database `test` is created when missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** The pg_hba.conf rule the suite needs: TCP from 127.0.0.1, any database and user, no password. */
export const TRUST_LINE = 'host all all 127.0.0.1/32 trust';

/**
 * `hba` (a pg_hba.conf) with `TRUST_LINE` ahead of every rule, since the first rule that matches a
 * connection decides; `hba` itself when its first TCP rule is that one already.
 */
export function trustLocalhost(hba) {
  const rules = hba
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/).join(' '))
    .filter((rule) => rule.startsWith('host'));
  if (rules[0] === TRUST_LINE) return hba;
  return `# Added by Proctor's npm test (scripts/test-postgres.mjs): the suite connects as postgres without a password.\n${TRUST_LINE}\n\n${hba}`;
}

/** The newest of these PostgreSQL versions (`['15', '17', '9.6']` → `'17'`), or null. */
export function newestVersion(versions) {
  return [...versions].sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))[0] ?? null;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs commands as root: directly when this is root, through `sudo -n` when that works without a
 * password; null otherwise. `run` shows the command's output and throws when it fails.
 */
export function privileged(env) {
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) return null;
  const exec = (args, opts) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { env, ...opts });
  return {
    run: (args) => exec(args, { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } }),
    /** Like `run`, but a failure is only reported: false. */
    attempt: (args) =>
      spawnSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { stdio: 'inherit', env }).status === 0,
    read: (path) => (root ? readFileSync(path, 'utf8') : exec(['cat', path], { encoding: 'utf8' })),
    write: (path, text) =>
      root ? writeFileSync(path, text) : exec(['tee', path], { input: text, stdio: ['pipe', 'ignore', 'inherit'] }),
  };
}

/** This machine as `ensurePostgres` sees it; a test hands it a machine of its own. */
export function localMachine(env, admin) {
  const versionsIn = (dir, file) =>
    existsSync(dir) ? readdirSync(dir).filter((v) => existsSync(`${dir}/${v}/${file}`)) : [];
  return {
    admin,
    ready: () =>
      spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { stdio: 'ignore', env }).status === 0,
    /** Runs SQL as the suite connects (user postgres, no password; -w never prompts): its output, or null. */
    query: (sql) => {
      const r = spawnSync(
        'psql',
        ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-w', '-X', '-q', '-tAc', sql],
        { encoding: 'utf8', env },
      );
      return r.status === 0 ? r.stdout.trim() : null;
    },
    /** Versions whose server is installed (`/usr/lib/postgresql/17/bin/postgres`). */
    servers: () => versionsIn('/usr/lib/postgresql', 'bin/postgres'),
    /** Versions with a cluster `main` (`/etc/postgresql/17/main`). */
    clusters: () => versionsIn('/etc/postgresql', 'main/postgresql.conf'),
    sleep,
  };
}

const UNREACHABLE =
  'PostgreSQL is not reachable at 127.0.0.1:5432: its tests will be reported as skipped (set PROCTOR_TEST_DATABASE_URL to use another)';

/** Polls `check` once a second until it holds or `seconds` passed. */
function waitFor(machine, check, seconds) {
  for (let i = 0; i < seconds && !check(); i++) machine.sleep(1000);
  return check();
}

/**
 * Makes PostgreSQL at 127.0.0.1:5432 ready for the suite, as far as `machine.admin` allows (null: no
 * root, no sudo; then it only says what is missing). Never throws for a server it cannot start: the
 * suite then reports the PostgreSQL tests as skipped (or fails with PROCTOR_TEST_REQUIRE=postgres).
 */
export function ensurePostgres(machine, say) {
  if (!machine.ready()) {
    const cluster = machine.admin ? startLocalCluster(machine, say) : null;
    if (cluster === null || !machine.ready()) return say(UNREACHABLE);
    if (machine.query('select 1') === null) trustOn(machine, cluster, say);
  }
  if (machine.query("select 1 from pg_database where datname = 'test'") === '') {
    say('creating the database test…');
    if (machine.query('create database test') === null) say('could not create the database test as user postgres');
  }
}

/** Installs the server if none is, creates its cluster if it has none, starts it: its version, or null. */
function startLocalCluster(machine, say) {
  const { admin } = machine;
  if (machine.servers().length === 0) {
    say("installing PostgreSQL's server (Debian's postgresql)…");
    try {
      admin.run(['apt-get', 'update', '-qq']);
      admin.run(['apt-get', 'install', '-y', '-qq', 'postgresql']);
    } catch {
      say('apt-get could not install postgresql (its output is above)');
      return null;
    }
  }
  const servers = machine.servers();
  let version = newestVersion(machine.clusters().filter((v) => servers.includes(v)));
  if (version === null) {
    version = newestVersion(servers);
    if (version === null) return null;
    say(`creating PostgreSQL ${version}'s cluster main…`);
    if (!admin.attempt(['pg_createcluster', version, 'main'])) return null;
  }
  say(`starting PostgreSQL ${version}…`);
  // Fails harmlessly when the cluster runs already (on another port, say): then it stays unreachable.
  admin.attempt(['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'start']);
  waitFor(machine, machine.ready, 30);
  return version;
}

/** The cluster refuses user postgres from 127.0.0.1 without a password: trust it there, reload. */
function trustOn(machine, version, say) {
  const path = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const hba = machine.admin.read(path);
  const trusted = trustLocalhost(hba);
  if (trusted === hba) return;
  say(`letting user postgres connect from 127.0.0.1 without a password (${path})…`);
  machine.admin.write(path, trusted);
  machine.admin.attempt(['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'reload']);
  waitFor(machine, () => machine.query('select 1') !== null, 10);
}
