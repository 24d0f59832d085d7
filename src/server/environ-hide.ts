import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/**
 * Blanks, in `/proc/self/environ`, the values of the variables the server was started with,
 * except those named in `keep`. The server has read its settings by then; its own use of
 * `process.env` is unchanged (each value is set again first, so the C library's copy lives
 * elsewhere), but another process of the same user reading the server's environment (a job of the
 * embedded agent: `cat /proc/$PPID/environ`) sees `*` where PROCTOR_ADMIN_TOKEN or a database
 * password were.
 *
 * Linux only and best effort: elsewhere, or where `/proc/self/mem` cannot be written, it does
 * nothing and says so. It is a second line, not isolation: a process of the same user can read the
 * server's files and memory by other means; `--local-agent-user` is the isolation.
 *
 * @returns how many values were blanked, or null when this system does not allow it.
 */
export function hideEnvironValues(env: NodeJS.ProcessEnv, keep: ReadonlySet<string>): number | null {
  let fd: number | undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name; env_start and env_end are fields 50 and 51 (Linux 3.5+).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[47]);
    const end = Number(fields[48]);
    if (!(start > 0 && end > start && end - start < 16 * 1024 * 1024)) return null;
    fd = openSync('/proc/self/mem', 'r+');
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    let hidden = 0;
    let at = 0;
    while (at < block.length) {
      let nul = block.indexOf(0, at);
      if (nul < 0) nul = block.length;
      const eq = block.indexOf(0x3d, at); // '='
      if (eq > at && eq < nul) {
        const name = block.toString('utf8', at, eq);
        if (!keep.has(name) && nul > eq + 1) {
          // Re-set it first: the C library then keeps its own copy, which process.env reads.
          const value = env[name];
          if (value !== undefined) env[name] = value;
          writeSync(fd, Buffer.alloc(nul - eq - 1, '*'), 0, nul - eq - 1, start + eq + 1);
          hidden++;
        }
      }
      at = nul + 1;
    }
    return hidden;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
