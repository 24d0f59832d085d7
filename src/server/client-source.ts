import { Type } from 'typebox';
import type { TriggerSource } from '../protocol/statuses.js';

/** The `X-Proctor-Client` header of the routes that make a run (a trigger, a rerun). */
export const ClientHeader = Type.String({
  maxLength: 40,
  description:
    'Which Proctor client makes the run: `cli` or `dashboard` (recorded as the trigger source; default `api`).',
});

/** The trigger source a Proctor client names in `X-Proctor-Client`; any other caller is `api`. */
export function clientSource(header: string | string[] | undefined): TriggerSource {
  return header === 'cli' || header === 'dashboard' ? header : 'api';
}
