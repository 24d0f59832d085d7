import { sameScenarioKey, storedKey } from '../domain/scenario-key.js';
import type { ScenarioRef } from './types.js';

/**
 * The scenarios a job asked for, found by the key of a test as its framework reports it. A job
 * names its scenarios by the keys the server holds (cut to length, NUL and lone surrogates
 * escaped: see domain/scenario-key.ts), a framework by its raw titles; both forms find the same
 * scenario. Tests nobody asked for (a pattern that matched more, a whole file run) find nothing.
 */
export class RequestedScenarios {
  readonly #byKey = new Map<string, ScenarioRef>();

  constructor(readonly scenarios: readonly ScenarioRef[]) {
    for (const s of scenarios) if (!this.#byKey.has(s.key)) this.#byKey.set(s.key, s);
  }

  /** The requested scenario whose key is `rawKey` as the framework reported it, if any. */
  find(rawKey: string): ScenarioRef | undefined {
    const s = this.#byKey.get(rawKey) ?? this.#byKey.get(storedKey(rawKey));
    return s !== undefined && sameScenarioKey(s.key, rawKey) ? s : undefined;
  }
}
