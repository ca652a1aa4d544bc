import type { z } from 'zod';
import type { ErrorCode } from '../errors';
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from './frames';

/** Outcome of parsing one raw frame: the typed frame, or a typed error to answer with. */
export type ParseResult<F> =
  | { ok: true; frame: F }
  | { ok: false; code: ErrorCode; msg: string; id?: string };

function summarize(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid frame';
  const where = issue.path.length ? issue.path.join('.') : 'frame';
  return `${where}: ${issue.message}`;
}

function parseWith<F>(schema: z.ZodType<F>, raw: string | unknown): ParseResult<F> {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, code: 'invalid_frame', msg: 'frame is not valid JSON' };
    }
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, frame: result.data };
  const id = typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
    ? (value as { id: string }).id
    : undefined;
  // Only an id the protocol allows (1..64 chars, see ClientId) may be answered with a `nack`:
  // echoing `""` produced a nack that fails NackFrame itself (found by test/chaos/fuzz.test.ts).
  return { ok: false, code: 'invalid_frame', msg: summarize(result.error), ...(id !== undefined && id.length >= 1 && id.length <= 64 ? { id } : {}) };
}

/** Parse and validate a frame sent by a client (JSON text or an already-decoded value). */
export function parseClientFrame(raw: string | unknown): ParseResult<ClientFrame> {
  return parseWith(ClientFrameSchema, raw);
}

/** Parse and validate a frame sent by the server (JSON text or an already-decoded value). */
export function parseServerFrame(raw: string | unknown): ParseResult<ServerFrame> {
  return parseWith(ServerFrameSchema, raw);
}
