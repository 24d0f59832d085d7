import { FRAMEWORKS, isOneOf, type Framework } from '../protocol/statuses.js';
import { commandAdapter } from './command.js';
import { jestAdapter } from './jest.js';
import { junit5Adapter } from './junit5.js';
import { mochaAdapter } from './mocha.js';
import { nodeTestAdapter } from './node-test.js';
import { playwrightAdapter } from './playwright.js';
import { pytestAdapter } from './pytest.js';
import { AdapterError, type Adapter } from './types.js';
import { vitestAdapter } from './vitest.js';

// Keyed by the protocol's framework list, so a framework added there without an adapter fails to compile.
// The options each adapter reads are declared in domain/adapter-options.ts, where apply can check them.
const ADAPTERS: Readonly<Record<Framework, Adapter>> = {
  vitest: vitestAdapter,
  'node-test': nodeTestAdapter,
  command: commandAdapter,
  jest: jestAdapter,
  mocha: mochaAdapter,
  playwright: playwrightAdapter,
  pytest: pytestAdapter,
  junit5: junit5Adapter,
};

/** The adapter of a plan's `framework`; AdapterError('bad_options') naming the known ones otherwise. */
export function getAdapter(framework: string): Adapter {
  if (!isOneOf(FRAMEWORKS, framework)) {
    throw new AdapterError('bad_options', `unknown framework "${framework}": expected one of ${FRAMEWORKS.join(', ')}`);
  }
  return ADAPTERS[framework];
}
