import { createInterface } from 'node:readline';

/**
 * Asks a yes/no question on stderr and reads one line from stdin; no answer within `timeoutMs`,
 * end of input or a second Ctrl-C count as no.
 */
export function askYesNo(question: string, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    process.stderr.write(question);
    const rl = createInterface({ input: process.stdin });
    let answered = false;
    const finish = (yes: boolean) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      rl.close();
      process.stdin.pause();
      process.stderr.write(yes ? '' : '\n');
      done(yes);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    rl.once('line', (line) => finish(/^\s*y(es)?\s*$/i.test(line)));
    rl.once('close', () => finish(false));
    rl.once('SIGINT', () => finish(false));
  });
}

/** Aborts the returned signal at the first SIGINT, instead of Node's default exit. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
