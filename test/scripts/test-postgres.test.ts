import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain script of the repository, without types
import { ensurePostgres, newestVersion, TRUST_LINE, trustLocalhost } from '../../scripts/test-postgres.mjs';

/** Debian's pg_hba.conf as `apt-get install postgresql` writes it (comments shortened). */
const DEBIAN_HBA = `# Database administrative login by Unix domain socket
local   all             postgres                                peer

# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
`;

/** The first rule of `hba` that a TCP connection from 127.0.0.1 meets, as PostgreSQL reads it. */
const firstTcpRule = (hba: string) =>
  hba
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/).join(' '))
    .find((l) => l.startsWith('host'));

describe("npm test's PostgreSQL: pg_hba.conf", () => {
  it("puts trust for 127.0.0.1 ahead of Debian's password rules, keeping them", () => {
    const trusted = trustLocalhost(DEBIAN_HBA);
    expect(firstTcpRule(DEBIAN_HBA)).toBe('host all all 127.0.0.1/32 scram-sha-256');
    expect(firstTcpRule(trusted)).toBe(TRUST_LINE);
    expect(trusted.endsWith(DEBIAN_HBA)).toBe(true);
  });

  it('leaves a file whose first TCP rule trusts 127.0.0.1 as it is, so a second run changes nothing', () => {
    const trusted = trustLocalhost(DEBIAN_HBA);
    expect(trustLocalhost(trusted)).toBe(trusted);
    const spaced = 'local all all trust\nhost    all  all   127.0.0.1/32    trust   # the suite\n';
    expect(trustLocalhost(spaced)).toBe(spaced);
  });

  it('does not take a commented-out trust rule, or one behind a password rule, for one in force', () => {
    const commented = `# ${TRUST_LINE}\n${DEBIAN_HBA}`;
    expect(firstTcpRule(trustLocalhost(commented))).toBe(TRUST_LINE);
    expect(trustLocalhost(commented)).not.toBe(commented);
    const behind = `${DEBIAN_HBA}${TRUST_LINE}\n`;
    expect(trustLocalhost(behind)).not.toBe(behind);
  });

  it('picks the newest installed version', () => {
    expect(newestVersion(['15', '17', '9.6', '16'])).toBe('17');
    expect(newestVersion(['9.6', '10'])).toBe('10');
    expect(newestVersion([])).toBeNull();
  });
});

/**
 * A Debian machine as `ensurePostgres` sees it: what apt-get, pg_createcluster and pg_ctlcluster
 * would do to it, played on a small model (the real commands need root and change the machine).
 */
function machine(start: {
  servers?: string[];
  clusters?: string[];
  running?: boolean;
  hba?: string;
  databases?: string[];
  admin?: boolean;
  apt?: 'works' | 'fails';
}) {
  const state = {
    servers: [...(start.servers ?? [])],
    clusters: [...(start.clusters ?? [])],
    running: start.running ?? false,
    hba: start.hba ?? DEBIAN_HBA,
    loadedHba: start.hba ?? DEBIAN_HBA,
    databases: [...(start.databases ?? ['postgres'])],
  };
  const commands: string[] = [];
  const said: string[] = [];
  const trusts = () => firstTcpRule(state.loadedHba)?.endsWith(' trust') ?? false;
  const admin = {
    run(args: string[]) {
      commands.push(args.join(' '));
      if (args[0] !== 'apt-get') throw new Error(`unexpected ${args[0]}`);
      if (start.apt === 'fails') throw new Error('apt-get failed');
      if (args[1] === 'install' && args.includes('postgresql')) {
        state.servers.push('17');
        state.clusters.push('17'); // postinst creates 17/main; starting it is denied in a container
      }
    },
    attempt(args: string[]) {
      commands.push(args.join(' '));
      const [cmd, ...rest] = args;
      if (cmd === 'pg_createcluster') {
        state.clusters.push(rest[0]!);
        return true;
      }
      if (cmd !== 'pg_ctlcluster') throw new Error(`unexpected ${cmd}`);
      const action = rest.at(-1);
      if (action === 'start') {
        if (state.running) return false;
        state.running = true;
        state.loadedHba = state.hba;
        return true;
      }
      if (action === 'reload') state.loadedHba = state.hba;
      return state.running;
    },
    read: (path: string) => {
      commands.push(`read ${path}`);
      return state.hba;
    },
    write: (path: string, text: string) => {
      commands.push(`write ${path}`);
      state.hba = text;
    },
  };
  const m = {
    admin: start.admin === false ? null : admin,
    ready: () => state.running,
    query(sql: string) {
      if (!state.running || !trusts()) return null;
      if (sql === 'select 1') return '1';
      if (sql.startsWith('select 1 from pg_database')) return state.databases.includes('test') ? '1' : '';
      if (sql === 'create database test') {
        commands.push(sql);
        state.databases.push('test');
        return '';
      }
      throw new Error(`unexpected SQL ${sql}`);
    },
    servers: () => [...state.servers],
    clusters: () => [...state.clusters],
    sleep: () => {},
  };
  return { m, state, commands, said, say: (line: string) => void said.push(line) };
}

describe("npm test's PostgreSQL: a machine without a reachable server", () => {
  it('installs the server, starts it, trusts 127.0.0.1 and creates the database test', () => {
    const t = machine({});
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq postgresql',
      'pg_ctlcluster --skip-systemctl-redirect 17 main start',
      'read /etc/postgresql/17/main/pg_hba.conf',
      'write /etc/postgresql/17/main/pg_hba.conf',
      'pg_ctlcluster --skip-systemctl-redirect 17 main reload',
      'create database test',
    ]);
    expect(firstTcpRule(t.state.hba)).toBe(TRUST_LINE);
    expect(t.m.query("select 1 from pg_database where datname = 'test'")).toBe('1');
  });

  it('starts an installed, stopped cluster that lets the suite in, and changes nothing else', () => {
    const hba = `local all all trust\n${TRUST_LINE}\n`;
    const t = machine({ servers: ['15', '17'], clusters: ['15', '17'], hba, databases: ['postgres', 'test'] });
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual(['pg_ctlcluster --skip-systemctl-redirect 17 main start']);
    expect(t.state.hba).toBe(hba);
  });

  it('creates a cluster for a server without one, and ignores a cluster whose server is gone', () => {
    const t = machine({ servers: ['16'], clusters: ['15'] });
    ensurePostgres(t.m, t.say);
    expect(t.commands.slice(0, 2)).toEqual([
      'pg_createcluster 16 main',
      'pg_ctlcluster --skip-systemctl-redirect 16 main start',
    ]);
    expect(t.commands.at(-1)).toBe('create database test');
  });

  it('without root or sudo, says the PostgreSQL tests will be skipped and runs nothing', () => {
    const t = machine({ admin: false });
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual([]);
    expect(t.said).toEqual([expect.stringMatching(/^PostgreSQL is not reachable at 127\.0\.0\.1:5432/)]);
  });

  it('says so, and does not throw, when apt-get cannot install the server', () => {
    const t = machine({ apt: 'fails' });
    ensurePostgres(t.m, t.say);
    expect(t.said.at(-1)).toMatch(/^PostgreSQL is not reachable/);
  });
});

describe("npm test's PostgreSQL: a reachable server", () => {
  it('is never reconfigured; only a missing database test is created', () => {
    const t = machine({ servers: ['17'], clusters: ['17'], running: true, hba: `${TRUST_LINE}\n` });
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual(['create database test']);
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual(['create database test']);
  });

  it("that refuses user postgres is left alone: its hba is not the suite's to change", () => {
    const t = machine({ servers: ['17'], clusters: ['17'], running: true });
    ensurePostgres(t.m, t.say);
    expect(t.commands).toEqual([]);
    expect(t.state.hba).toBe(DEBIAN_HBA);
  });
});
