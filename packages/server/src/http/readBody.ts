import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `maxBytes`. Past the bound (announced in Content-Length,
 * or reached while reading) it rejects with `tooLarge()` and stops reading — it pauses the
 * request rather than destroying it, so the caller's 413 still goes out (with
 * `Connection: close`). Shared by the REST routes and the HTTP transport's frame batches.
 */
export function readBody(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > maxBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
