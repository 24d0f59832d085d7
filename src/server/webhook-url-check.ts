import { AddressPolicy } from '../domain/address-policy.js';
import { webhookUrlProblem } from '../domain/webhook-url.js';
import { AppError } from '../protocol/errors.js';
import type { ServerConfig } from './config.js';

const policies = new WeakMap<ServerConfig, AddressPolicy>();

/** The address policy of this configuration (PROCTOR_WEBHOOK_ALLOW_PRIVATE), built once. */
export function addressPolicy(config: ServerConfig): AddressPolicy {
  let p = policies.get(config);
  if (!p) policies.set(config, (p = new AddressPolicy(config.webhookAllowPrivate)));
  return p;
}

/**
 * Refuses a callback or webhook URL with a 400 naming `field` (`callback_url`, `url`): not http(s),
 * with credentials, or a literal address the policy refuses. Compatibility routes call it too.
 */
export function assertWebhookUrl(config: ServerConfig, url: string, field: string): void {
  const problem = webhookUrlProblem(url, addressPolicy(config));
  if (problem) throw new AppError('VALIDATION_FAILED', `${field}: ${problem}`, { details: [{ path: field, message: problem }] });
}
