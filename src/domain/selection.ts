import picomatch from 'picomatch';
import type { ScenarioSelection } from './plan-definition.js';

export interface SelectableScenario {
  key: string;
  file: string;
  tags: string[];
}

/** Tags written into titles (`logs in @smoke`) count as tags too. */
export function tagsInTitle(title: string): string[] {
  return [...title.matchAll(/(?:^|\s)@([\w-]+)/g)].map((m) => m[1] as string);
}

/**
 * Applies a plan's selection and a trigger's explicit scenario list to discovered scenarios.
 * Globs match the file; tags and names keep a scenario when any of them matches. `requested`, when
 * given, keeps only scenarios whose key or file equals one of its entries.
 */
export function selectScenarios<T extends SelectableScenario>(
  scenarios: readonly T[],
  selection: ScenarioSelection,
  requested: readonly string[] = [],
): T[] {
  const include = selection.include.length > 0 ? picomatch(selection.include, { dot: true }) : () => true;
  const exclude = selection.exclude.length > 0 ? picomatch(selection.exclude, { dot: true }) : () => false;
  const wanted = new Set(requested);
  return scenarios.filter((s) => {
    if (!include(s.file) || exclude(s.file)) return false;
    const tags = new Set([...s.tags, ...tagsInTitle(s.key)]);
    if (selection.tags.length > 0 && !selection.tags.some((t) => tags.has(t))) return false;
    if (selection.names.length > 0 && !selection.names.some((n) => s.key.includes(n))) return false;
    if (wanted.size > 0 && !wanted.has(s.key) && !wanted.has(s.file)) return false;
    return true;
  });
}
