/** The part of a marker the status needs. */
interface Position {
  seq: number;
}

/**
 * Status of a stored message from the markers of the participants other than its sender:
 * `read` once all of them read up to it, `delivered` once all of them received it (a read
 * marker counts as received), `sent` otherwise (also when there is nobody else).
 */
export function deliveryStatus(
  message: { seq: number; senderId: string },
  participants: readonly string[],
  read: ReadonlyMap<string, Position>,
  delivered: ReadonlyMap<string, Position>,
): 'sent' | 'delivered' | 'read' {
  const others = participants.filter((userId) => userId !== message.senderId);
  if (others.length === 0) return 'sent';
  const readSeq = (userId: string) => read.get(userId)?.seq ?? 0;
  if (others.every((userId) => readSeq(userId) >= message.seq)) return 'read';
  if (others.every((userId) => Math.max(readSeq(userId), delivered.get(userId)?.seq ?? 0) >= message.seq)) return 'delivered';
  return 'sent';
}
