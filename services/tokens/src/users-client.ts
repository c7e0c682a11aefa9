import {
  errorBody,
  HttpError,
  ServiceUnavailableError,
  unauthorized,
  type BasicCredentials,
  type Logger,
  type ServiceClient,
  type ServiceResponse,
} from '@microflack/common';
import { signedInUser } from './schemas.js';
import { wrongCredentials, type Voucher } from './tokens.js';

const unavailable = () =>
  new HttpError(503, 'users_unavailable', 'The users service cannot be reached; try again.', {
    'Retry-After': '1',
  });

/**
 * Asks users `GET /api/users/me` with Basic credentials (through the load balancer, with
 * retries) and turns its answer into a user id or the error to pass on.
 */
export class UsersClient implements Voucher {
  constructor(
    private readonly client: Pick<ServiceClient, 'request'>,
    private readonly logger: Logger,
  ) {}

  /**
   * Asks once: each attempt costs users a bcrypt hash, so it is retried only when it reached no
   * users instance. The client's address goes along, for users to count failures by it.
   * @throws 401 wrong credentials, 429 passed through with `Retry-After`, 503 users unreachable
   *   or busy.
   */
  async signIn({ nickname, password }: BasicCredentials, address: string): Promise<number> {
    const authorization = `Basic ${Buffer.from(`${nickname}:${password}`).toString('base64')}`;
    const headers = { authorization, 'x-forwarded-for': address };
    const response = await this.client
      .request('GET', '/api/users/me', { headers, once: true })
      .catch((error: unknown) => {
        if (error instanceof ServiceUnavailableError) throw unavailable();
        throw error;
      });
    return this.userIdFrom(response);
  }

  private userIdFrom(response: ServiceResponse): number {
    // An error body from users is passed on when it has the `{error, code}` shape.
    const failure = errorBody.safeParse(response.body);
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
      case 503:
        // users is saturated with bcrypt work: the client may try again shortly, tokens does not.
        if (failure.data?.code === 'busy') {
          throw new HttpError(503, 'busy', failure.data.error, { 'Retry-After': '1' });
        }
    }
    this.logger.warn({ status: response.status }, 'unexpected answer from users');
    throw unavailable();
  }
}
