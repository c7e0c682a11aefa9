import type { User } from './models.js';

/** Every user the client has heard of, by id. */
export type UserMap = ReadonlyMap<number, User>;

/** Merges users from the API or an event, each at its newest version. */
export function mergeUsers(users: UserMap, incoming: readonly User[]): UserMap {
  if (incoming.length === 0) return users;
  const next = new Map(users);
  for (const user of incoming) {
    const known = next.get(user.id);
    if (!known || user.updated_at >= known.updated_at) next.set(user.id, user);
  }
  return next;
}

/**
 * The people online: yourself first (even before the platform says so: you are here), then the
 * others by nickname.
 */
export function onlineUsers(users: UserMap, myId: number): User[] {
  return [...users.values()]
    .filter((user) => user.online || user.id === myId)
    .sort(
      (a, b) =>
        Number(b.id === myId) - Number(a.id === myId) ||
        a.nickname.localeCompare(b.nickname, undefined, { sensitivity: 'base' }),
    );
}

/** The ids among `userIds` whose nickname is not known yet (to fetch them once). */
export function unknownUsers(users: UserMap, userIds: Iterable<number>): number[] {
  return [...new Set(userIds)].filter((id) => !users.has(id));
}
