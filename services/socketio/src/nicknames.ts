/** How long a nickname is trusted: nicknames can change, but typing lines may lag a little. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** A small time-bounded cache of nicknames by user id, in front of users `GET /api/users/:id`. */
export class NicknameCache {
  private readonly entries = new Map<number, { nickname: string; expires: number }>();

  constructor(private readonly load: (userId: number) => Promise<string | undefined>) {}

  /** The nickname of `userId`, from the cache or loaded; undefined when users cannot tell. */
  async get(userId: number, now = Date.now()): Promise<string | undefined> {
    const cached = this.entries.get(userId);
    if (cached && cached.expires > now) return cached.nickname;
    const nickname = await this.load(userId);
    if (nickname === undefined) return undefined;
    // Dropping everything at the cap keeps memory bounded without an LRU's bookkeeping.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(userId, { nickname, expires: now + TTL_MS });
    return nickname;
  }
}
