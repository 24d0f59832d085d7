import { AppError } from '../protocol/errors.js';
import { createApiKey, countApiKeys, keyHashByPrefix } from '../storage/api-keys.js';
import { credentialFromToken } from '../storage/credential.js';
import type { Store } from '../storage/database.js';
import { ensureUser } from '../storage/users.js';

/**
 * Makes sure an administrator can get in. With `PROCTOR_ADMIN_TOKEN`, that token is an admin key
 * (created once, by its hash). Without it, the very first start creates an admin key and returns
 * its token so it can be printed once; later starts return null.
 */
export async function bootstrapAdmin(
  store: Store,
  adminToken: string | undefined,
  now: number,
): Promise<{ token: string; created: boolean } | null> {
  if (adminToken) {
    const cred = credentialFromToken(adminToken, 'pk');
    if (!cred) {
      throw new AppError(
        'VALIDATION_FAILED',
        "PROCTOR_ADMIN_TOKEN must look like pk_<10 hex>_<at least 16 of A-Z a-z 0-9 _ ->; generate one with: node -e \"console.log('pk_'+require('crypto').randomBytes(5).toString('hex')+'_'+require('crypto').randomBytes(24).toString('base64url'))\"",
      );
    }
    const existing = await keyHashByPrefix(store.db, cred.prefix);
    if (existing !== undefined) {
      if (existing !== cred.hash)
        throw new AppError('CONFLICT', 'PROCTOR_ADMIN_TOKEN shares its prefix with another key; choose another token');
      return { token: adminToken, created: false };
    }
    const admin = await ensureUser(store.db, 'admin', now);
    await createApiKey(
      store.db,
      {
        userId: admin.id,
        name: 'admin (PROCTOR_ADMIN_TOKEN)',
        authorities: ['ADMIN'],
        projectIds: null,
        credential: cred,
      },
      now,
    );
    return { token: adminToken, created: true };
  }
  if ((await countApiKeys(store.db)) > 0) return null;
  const admin = await ensureUser(store.db, 'admin', now);
  const { token } = await createApiKey(
    store.db,
    { userId: admin.id, name: 'admin (first start)', authorities: ['ADMIN'], projectIds: null },
    now,
  );
  return { token, created: true };
}
