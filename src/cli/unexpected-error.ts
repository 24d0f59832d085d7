/** Options whose value is a credential: an error line never repeats it. */
const SECRET_OPTIONS = new Set(['--token']);
/** Options whose value is `NAME=value`, a value that may be a secret handed to the tests: the name is kept. */
const PAIR_OPTIONS = new Set(['--param']);
/** A key or registration token (`pk_<10 hex>_<secret>`): its public prefix is kept, its secret dropped. */
const CREDENTIAL = /\b([a-z]+_[0-9a-f]{10})_[A-Za-z0-9_-]+/g;
/** A URL's user and password (`https://user:pass@host`). */
const USER_INFO = /(\/\/)[^/@\s]*@/g;

const hidden = (value: string): string => value.replace(CREDENTIAL, '$1_…').replace(USER_INFO, '$1…@');

const quoted = (arg: string): string => (/^[\w@%+=:,./…-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
/** `NAME=value` as `NAME=…`. */
const nameOnly = (pair: string): string =>
  pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=…` : hidden(pair);

/**
 * The command as typed (`proctor run unit --wait`), with credentials and parameter values left
 * out, for a line a user can paste into a bug report as it is.
 *
 * @example commandLine(['login', '--token', 'pk_0123456789_secret']) // 'proctor login --token …'
 */
export function commandLine(args: readonly string[]): string {
  const out: string[] = ['proctor'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const option = eq > 0 ? arg.slice(0, eq) : arg;
    if (SECRET_OPTIONS.has(option)) {
      out.push(eq > 0 ? `${option}=…` : arg);
      if (eq < 0 && i + 1 < args.length) {
        out.push('…');
        i++;
      }
      continue;
    }
    if (PAIR_OPTIONS.has(option)) {
      if (eq > 0) out.push(`${option}=${quoted(nameOnly(arg.slice(eq + 1)))}`);
      else out.push(arg, ...(i + 1 < args.length ? [quoted(nameOnly(args[++i]!))] : []));
      continue;
    }
    out.push(quoted(hidden(arg)));
  }
  return out.join(' ');
}

/**
 * The one line the CLI prints for an error nobody foresaw: what happened, that it is Proctor's bug
 * and not the user's mistake, and what to send where (the command that caused it and the version);
 * never a stack, which tells a user nothing they can act on.
 */
export function unexpectedErrorLine(e: unknown, args: readonly string[], version: string): string {
  const what = (e instanceof Error ? `${e.name}: ${e.message}` : String(e))
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\s.]+$/, '');
  return `proctor: unexpected error: ${what}. This is a bug in Proctor, not a mistake of yours: please report it to Proctor's maintainers with this line (command: ${commandLine(args)}; proctor ${version})`;
}
