import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Problem } from './validation.js';

/**
 * The line of a YAML document where the value at a problem's path is written (`plans.unit.timeout`,
 * `plans.p.environments[0]`), or of the nearest ancestor that is there (a missing key's mapping).
 * Names may hold dots (`plans.v1.2`): at each mapping the longest key that starts the rest of the
 * path wins.
 */
export function lineOf(doc: Document, lines: LineCounter, path: string): number | undefined {
  let node = doc.contents as Node | null;
  let rest = path;
  let at: number | undefined = node?.range?.[0];
  while (node && rest !== '') {
    if (isMap(node)) {
      let best: { key: string; value: Node | null; start: number | undefined } | undefined;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || !(rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`))) continue;
        if (!best || key.length > best.key.length)
          best = { key, value: pair.value as Node | null, start: (pair.key as Node).range?.[0] };
      }
      if (!best) break;
      at = best.start ?? at;
      node = best.value;
      rest = rest.slice(best.key.length).replace(/^\./, '');
    } else if (isSeq(node)) {
      const m = /^\[(\d+)\]\.?/.exec(rest);
      const item = m ? (node.items[Number(m[1])] as Node | undefined) : undefined;
      if (!m || !item) break;
      at = item.range?.[0] ?? at;
      node = item;
      rest = rest.slice(m[0].length);
    } else break;
  }
  return at === undefined ? undefined : lines.linePos(at).line;
}

/** The problems with the line each is written on, where it is in the document. */
export function withLines(problems: readonly Problem[], doc: Document, lines: LineCounter): Problem[] {
  return problems.map((p) => {
    if (p.line !== undefined || p.path.startsWith('line ') || p.path === '(file)') return p;
    const line = lineOf(doc, lines, p.path);
    return line === undefined ? p : { ...p, line };
  });
}
