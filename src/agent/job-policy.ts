import { AddressPolicy } from '../domain/address-policy.js';
import type { ClaimedJob } from '../protocol/agent-api.js';

// One policy per distinct allow list: every job of a server carries the same list.
const cache = new Map<string, AddressPolicy>();

/**
 * The outbound policy the server's administrator set (`outbound_allow` of the claimed job), for the
 * job's app build download and git remote. A job without the field (an older server) allows
 * nothing private.
 */
export function jobPolicy(job: Pick<ClaimedJob, 'outbound_allow'>): AddressPolicy {
  const allow = job.outbound_allow ?? [];
  const key = allow.join(',');
  let policy = cache.get(key);
  if (!policy) {
    policy = new AddressPolicy(allow);
    if (cache.size > 16) cache.clear();
    cache.set(key, policy);
  }
  return policy;
}
