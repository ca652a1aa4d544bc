/**
 * How both stores name a scheduled notification: the user id's byte length, `:`, the user
 * id, then the key (`3:anaviewing:123:h-1d`). Unique for any user id, and the user's
 * members share the prefix `<length>:<userId>`, so one user's keys starting with a prefix
 * are one range in a lexicographically sorted set.
 */
export function scheduledMember(userId: string, key: string): string {
  return `${Buffer.byteLength(userId)}:${userId}${key}`;
}
