/**
 * The environment a job's processes start from, before the plan's variables and Proctor's own are
 * added.
 *
 * A remote agent (`proctor agent`) passes on its own environment: its operator set it up for the
 * tests (ANDROID_HOME, a proxy, credentials of a test grid), and nothing else lives in that process.
 * The embedded agent of `proctor serve` runs inside the server, whose environment holds the
 * server's secrets (PROCTOR_ADMIN_TOKEN, the database URL with its password, object-store keys):
 * its jobs get only the variables below, which say where things are and how to talk, plus the
 * names an administrator adds (PROCTOR_LOCAL_AGENT_ENV).
 */

/** What a process needs to find programs, a home, a locale, a temporary directory, a display and a proxy. */
const PASSED_TO_EMBEDDED_JOBS = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'COLORTERM',
  'TMPDIR',
  'TMP',
  'TEMP',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'LD_LIBRARY_PATH',
  'JAVA_HOME',
  'ANDROID_HOME',
  'ANDROID_SDK_ROOT',
  'VIRTUAL_ENV',
  'PYENV_ROOT',
  'PLAYWRIGHT_BROWSERS_PATH',
] as const;

/** Variables of Proctor itself or of a test runner Proctor runs under: never the tests' business. */
function foreign(name: string): boolean {
  return name.startsWith('PROCTOR_') || name.startsWith('VITEST') || name === 'NODE_OPTIONS';
}

function defined(env: Record<string, string | undefined>, names: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && !foreign(name)) out[name] = value;
  }
  return out;
}

/** A remote agent's jobs: the agent's whole environment but Proctor's own variables. */
export function agentJobEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  return defined(env, Object.keys(env));
}

/**
 * The embedded agent's jobs: the variables above (every `LC_*` locale setting too) and `extra`,
 * never the server's other variables. Proctor's own (`PROCTOR_*`) are left out even when named.
 */
export function embeddedJobEnvironment(
  env: Record<string, string | undefined>,
  extra: readonly string[] = [],
): Record<string, string> {
  const locale = Object.keys(env).filter((k) => k.startsWith('LC_'));
  return defined(env, [...PASSED_TO_EMBEDDED_JOBS, ...locale, ...extra]);
}

/** The names `embeddedJobEnvironment` passes: what the server may leave readable in its own process. */
export function embeddedJobVariableNames(
  env: Record<string, string | undefined>,
  extra: readonly string[] = [],
): Set<string> {
  return new Set(Object.keys(embeddedJobEnvironment(env, extra)));
}
