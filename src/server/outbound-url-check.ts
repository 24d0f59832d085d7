import { AddressPolicy } from '../domain/address-policy.js';
import { outboundUrlProblem } from '../domain/outbound-url.js';
import { AppError } from '../protocol/errors.js';
import type { ServerConfig } from './config.js';

const policies = new WeakMap<ServerConfig, AddressPolicy>();

/** The outbound address policy of this configuration (PROCTOR_OUTBOUND_ALLOW_PRIVATE), built once. */
export function addressPolicy(config: ServerConfig): AddressPolicy {
  let p = policies.get(config);
  if (!p) policies.set(config, (p = new AddressPolicy(config.outboundAllowPrivate)));
  return p;
}

/**
 * Refuses a URL Proctor will call (a callback, a webhook, an app build) with a 400 naming `field`
 * (`callback_url`, `url`, `body.url`): not http(s), with credentials, or a literal address the policy
 * refuses. Compatibility routes call it too.
 */
export function assertOutboundUrl(config: ServerConfig, url: string, field: string): void {
  const problem = outboundUrlProblem(url, addressPolicy(config));
  if (problem)
    throw new AppError('VALIDATION_FAILED', `${field}: ${problem}`, { details: [{ path: field, message: problem }] });
}
