import { median } from './median.js';

/** One measured duration: of which scenario in which environment (`key`), on which agent. */
export interface AgentSample {
  key: string;
  agentId: number;
  ms: number;
}

/**
 * How much slower each agent runs the same scenarios than the others (1: as the middle; 2: twice
 * as long): for every scenario × environment measured on two agents or more, each duration over
 * that scenario's median, and per agent the median of those ratios. Agents never compared with
 * another on the same scenario are not listed.
 *
 * @example agentSlowness([{ key: 'a', agentId: 1, ms: 200 }, { key: 'a', agentId: 2, ms: 100 }])
 *   // → Map { 1 → 1.33, 2 → 0.67 }
 */
export function agentSlowness(samples: readonly AgentSample[]): Map<number, number> {
  const byKey = new Map<string, AgentSample[]>();
  for (const s of samples) {
    const list = byKey.get(s.key);
    if (list) list.push(s);
    else byKey.set(s.key, [s]);
  }
  const ratios = new Map<number, number[]>();
  for (const list of byKey.values()) {
    if (new Set(list.map((s) => s.agentId)).size < 2) continue;
    const middle = median(list.map((s) => s.ms));
    if (middle === undefined || middle <= 0) continue;
    for (const s of list) {
      const mine = ratios.get(s.agentId);
      if (mine) mine.push(s.ms / middle);
      else ratios.set(s.agentId, [s.ms / middle]);
    }
  }
  return new Map([...ratios].map(([agent, list]) => [agent, median(list)!]));
}
