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
  /** The id of the user these credentials, from `address`, sign in. @throws HttpError when they do not. */
  signIn(credentials: BasicCredentials, address: string): Promise<number>;
}

/** What issuing and revoking tokens needs. */
export interface TokensDeps {
  keys: TokenKeys;
  revoked: Pick<RevocationSet, 'revoke' | 'revokeUser'>;
  users: Voucher;
  /** `TOKEN_TTL`: how long a sign-out everywhere must be remembered. */
  tokenTtlSeconds: number;
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
   * @throws 401 wrong credentials, 429 passed through with `Retry-After`, 503 users unreachable
   *   or busy.
   */
  async issue(credentials: BasicCredentials, address: string): Promise<IssuedToken> {
    if (!plausible(credentials)) throw wrongCredentials();
    return this.deps.keys.sign(await this.deps.users.signIn(credentials, address));
  }

  /** Revokes a token for the rest of its life. @throws 503 when etcd cannot record it. */
  async revoke(claims: TokenClaims): Promise<void> {
    await this.recorded(this.deps.revoked.revoke(claims.jti, claims.exp * 1000));
  }

  /**
   * Signs the token's user out everywhere: every token of theirs issued until now, this one
   * included, is refused. @throws 503 when etcd cannot record it.
   */
  async revokeAll(claims: TokenClaims): Promise<void> {
    await this.recorded(this.deps.revoked.revokeUser(claims.user_id, this.deps.tokenTtlSeconds));
  }

  private async recorded(revocation: Promise<void>): Promise<void> {
    await revocation.catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'revocation failed');
      throw new HttpError(
        503,
        'registry_unavailable',
        'The token could not be revoked; try again.',
      );
    });
  }
}
