import { CST, Parser } from 'yaml';

type Frame = { token: CST.Token | null | undefined; path: string[]; depth: number };

/**
 * The paths (`['plans', 'p', 'options', 'a', …]`, `[0]` for a list item) of the mappings and lists
 * of a YAML text that are nested deeper than `maxDepth`, in document order; none are looked at
 * below those.
 *
 * The YAML library composes documents recursively and runs out of stack some hundreds of levels
 * down (a 400 then, but one that names a column instead of the field). Its syntax tree is built
 * without recursion, and this walk has its own stack, so the field can be named however deep the
 * text goes; the document itself is never composed.
 *
 * @example tooDeepInYaml('a: [[[1]]]', 3) → [['a', '[0]', '[0]']]
 */
export function tooDeepInYaml(text: string, maxDepth: number): string[][] {
  const found: string[][] = [];
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    const stack: Frame[] = [{ token: token.value, path: [], depth: 0 }];
    while (stack.length > 0) {
      const { token: t, path, depth } = stack.pop()!;
      if (!t || !CST.isCollection(t)) continue;
      if (depth + 1 > maxDepth) {
        found.push(path);
        continue;
      }
      const isList = t.type === 'block-seq' || (t.type === 'flow-collection' && t.start.source === '[');
      // Pushed in reverse, so the paths come out in document order.
      for (let i = t.items.length - 1; i >= 0; i--) {
        const item = t.items[i]!;
        stack.push({ token: item.value, path: [...path, isList ? `[${i}]` : keyText(item.key)], depth: depth + 1 });
        if (item.key) stack.push({ token: item.key, path: [...path, '?'], depth: depth + 1 });
      }
    }
  }
  return found;
}

function keyText(key: CST.Token | null | undefined): string {
  return CST.resolveAsScalar(key)?.value ?? '?';
}
