import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { authenticateApiKey } from '../../storage/api-keys.js';
import type { ServerDeps } from '../deps.js';
import { vendorScope, type VendorErrorShape } from './vendor-scope.js';

const TokenBody = Type.Object({
  grant_type: Type.String({ maxLength: 40, description: '`password` (or `refresh_token`).' }),
  username: Type.Optional(Type.String({ maxLength: 500, description: 'Not checked: the key says who calls.' })),
  password: Type.Optional(Type.String({ maxLength: 500, description: 'A Proctor API key.' })),
  refresh_token: Type.Optional(
    Type.String({ maxLength: 500, description: 'A token this endpoint gave (the same API key).' }),
  ),
  scope: Type.Optional(Type.String({ maxLength: 200 })),
});
type TokenBody = Static<typeof TokenBody>;

/** The OAuth 2.0 error codes (RFC 6749 §5.2) of the document's errors, by our status. */
const OAUTH: Record<number, [error: string, name: string]> = {
  400: ['invalid_request', 'INVALID_REQUEST'],
  401: ['invalid_client', 'INVALID_CLIENT'],
  403: ['access_denied', 'ACCESS_DENIED'],
};

/**
 * `{ error, error_description, message }`: what OAuth 2.0 clients read (`error`,
 * `error_description`) and the document's name for it (`message`: `INVALID_CLIENT`).
 */
const oauthError: VendorErrorShape = (e) => {
  const [error, name] =
    OAUTH[e.status] ??
    (e.status >= 500 ? ['server_error', 'INTERNAL_SERVER_ERROR'] : ['invalid_request', 'INVALID_REQUEST']);
  return { status: e.status, body: { error, error_description: e.message, message: name } };
};

/** How long a client may keep the token before asking again; the key itself does not expire. */
const EXPIRES_IN_S = 3600;

/**
 * Testinium's `POST /Testinium.RestApi/oauth/token` (testinium-enterprise-1.16.7/auth/login.md):
 * the password grant with a Proctor API key as the password answers an access token for the
 * other Testinium routes. The token is the API key itself: it holds exactly what the key holds,
 * stops working the moment the key is revoked, and no second credential is stored or minted.
 * The client credentials (`Authorization: Basic …`) and the username are not checked; the key
 * alone says who calls, as it does everywhere.
 */
export async function testiniumOAuthRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, oauthError, (scope) => {
    scope.post<{ Body: TokenBody | undefined }>(
      '/Testinium.RestApi/oauth/token',
      {
        // Public: the API key comes in the body, not as a Bearer token, and is checked here.
        config: { auth: 'public' },
        schema: {
          tags: ['compat: Testinium'],
          summary: 'Testinium REST API: an access token for an API key (password grant)',
          security: [],
          body: TokenBody,
        },
      },
      async (req) => {
        const body = req.body;
        if (!body)
          throw new AppError(
            'VALIDATION_FAILED',
            'grant_type is required: send grant_type=password&username=…&password=<API key>',
          );
        const grant = body.grant_type.trim();
        const secret = (grant === 'refresh_token' ? body.refresh_token : body.password)?.trim();
        if (grant !== 'password' && grant !== 'refresh_token')
          throw new AppError(
            'VALIDATION_FAILED',
            `grant_type must be one of password, refresh_token (got "${grant.slice(0, 40)}")`,
          );
        if (!secret)
          throw new AppError(
            'VALIDATION_FAILED',
            `${grant === 'password' ? 'password' : 'refresh_token'} is required: a Proctor API key`,
          );
        const key = await authenticateApiKey(deps.store.db, deps.store.cap, secret);
        if (key === 'revoked')
          throw new AppError('UNAUTHENTICATED', 'this API key was revoked: create a new one with proctor keys create');
        if (!key)
          throw new AppError(
            'UNAUTHENTICATED',
            'the password is not a Proctor API key: use an API key (proctor keys create) as the password',
          );
        return {
          access_token: secret,
          token_type: 'bearer',
          refresh_token: secret,
          expires_in: EXPIRES_IN_S,
          scope: body.scope?.trim() || 'api',
          jti: key.prefix,
        };
      },
    );
  });
}
