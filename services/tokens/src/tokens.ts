import {
  HttpError,
  unauthorized,
  type BasicCredentials,
  type IssuedToken,
  type Logger,
  type RevocationSet,
  type TokenClaims,
  type TokenKeys,
} from '@microflack/common';

/** Who vouches for credentials: the users service, through the load balancer in production. */
export interface Voucher {
  /** The id of the user these credentials sign in. @throws HttpError when they do not. */
  signIn(credentials: BasicCredentials): Promise<number>;
}

/** What issuing and revoking tokens needs. */
export interface TokensDeps {
  keys: TokenKeys;
  revoked: Pick<RevocationSet, 'revoke'>;
  users: Voucher;
  logger: Logger;
}

/** The 401 of credentials that sign nobody in. */
export const wrongCredentials = () =>
  unauthorized('The nickname or the password is wrong.', 'wrong_credentials');

/**
 * Credentials that some account could have: nicknames are at most 32 characters and passwords
 * at most 72 bytes. Anything longer is wrong without asking users, and passing it on could only
 * make a header too large for the balancer (an answer that is no fault of users).
 */
function plausible({ nickname, password }: BasicCredentials): boolean {
  return nickname.length <= 32 && Buffer.byteLength(password, 'utf8') <= 72;
}

/**
 * Issues tokens to whoever the users service vouches for, and revokes them. Credentials are
 * never checked here: users owns passwords and the failed-attempt limit.
 */
export class Tokens {
  constructor(private readonly deps: TokensDeps) {}

  /**
   * Has users vouch for the credentials and signs a token. Credentials longer than any
   * account's are refused without asking.
   * @throws 401 wrong credentials, 429 passed through with `Retry-After`, 503 users unreachable.
   */
  async issue(credentials: BasicCredentials): Promise<IssuedToken> {
    if (!plausible(credentials)) throw wrongCredentials();
    return this.deps.keys.sign(await this.deps.users.signIn(credentials));
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
