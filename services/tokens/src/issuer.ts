import {
  HttpError,
  ServiceUnavailableError,
  unauthorized,
  type BasicCredentials,
  type IssuedToken,
  type Logger,
  type RevocationSet,
  type ServiceClient,
  type ServiceResponse,
  type TokenClaims,
  type TokenKeys,
} from '@microflack/common';
import { plausibleCredentials, signedInUser, upstreamError } from './schemas.js';

/** What issuing and revoking tokens needs. */
export interface IssuerDeps {
  keys: TokenKeys;
  revoked: Pick<RevocationSet, 'revoke'>;
  client: Pick<ServiceClient, 'request'>;
  logger: Logger;
}

const wrongCredentials = () =>
  unauthorized('The nickname or the password is wrong.', 'wrong_credentials');

const unavailable = () =>
  new HttpError(503, 'users_unavailable', 'The users service cannot be reached; try again.', {
    'Retry-After': '1',
  });

/**
 * Issues tokens to whoever the users service vouches for, and revokes them. Credentials are
 * never checked here: users owns passwords and the failed-attempt limit.
 */
export class TokenIssuer {
  constructor(private readonly deps: IssuerDeps) {}

  /**
   * Checks the credentials with users (through the load balancer, with retries) and signs a token.
   * Credentials longer than any account's are refused without asking.
   * @throws 401 wrong credentials, 429 passed through with `Retry-After`, 503 users unreachable.
   */
  async issue(credentials: BasicCredentials): Promise<IssuedToken> {
    if (!plausibleCredentials.safeParse(credentials).success) throw wrongCredentials();
    const { nickname, password } = credentials;
    const authorization = `Basic ${Buffer.from(`${nickname}:${password}`).toString('base64')}`;
    const response = await this.deps.client
      .request('GET', '/api/users/me', { headers: { authorization } })
      .catch((error: unknown) => {
        if (error instanceof ServiceUnavailableError) throw unavailable();
        throw error;
      });
    return this.deps.keys.sign(this.userIdFrom(response));
  }

  private userIdFrom(response: ServiceResponse): number {
    const failure = upstreamError.safeParse(response.body);
    switch (response.status) {
      case 200: {
        const user = signedInUser.safeParse(response.body);
        if (user.success) return user.data.id;
        break;
      }
      case 401:
        throw failure.data
          ? unauthorized(failure.data.error, failure.data.code)
          : wrongCredentials();
      case 429:
        throw new HttpError(
          429,
          failure.data?.code ?? 'too_many_attempts',
          failure.data?.error ?? 'Too many failed sign-ins; try again later.',
          { 'Retry-After': response.headers.get('retry-after') ?? '60' },
        );
    }
    this.deps.logger.warn({ status: response.status }, 'unexpected answer from users');
    throw unavailable();
  }

  /** Revokes a token for the rest of its life. @throws 503 when etcd cannot record it. */
  async revoke(claims: TokenClaims): Promise<void> {
    await this.deps.revoked.revoke(claims.jti, claims.exp * 1000).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'revocation failed');
      throw new HttpError(
        503,
        'registry_unavailable',
        'The token could not be revoked; try again.',
      );
    });
  }
}
