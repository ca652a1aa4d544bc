import type { z } from 'zod';
import type { ErrorCode } from '@sinyal/protocol';
import { SinyalServerError } from '../../errors';

/**
 * Validates untrusted input with a protocol schema. A mismatch throws a `SinyalServerError`
 * (`invalid_frame` for command data, `bad_request` for REST bodies) naming the first problem.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string, code: ErrorCode = 'invalid_frame'): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new SinyalServerError(code, `${what}: ${where}${issue?.message ?? 'invalid data'}`);
}

/** Length of a text in characters as people count them (code points, so an emoji is one). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
