/**
 * The webhook body, read as it streams with a hard limit. express.raw is not enough: past its
 * limit, body-parser reads the rest of the request off the socket before answering 413, so an
 * endless chunked body would be read until the request timeout. Here the reading stops at the
 * limit; the 413 (payloadTooLarge) closes the connection. Bodies are taken as sent: a compressed
 * one is refused, since the signature covers the bytes the platform signed and inflating a small
 * body into a large one is its own attack.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

export class BodyTooLargeError extends HttpError {
  constructor(maxBytes: number) {
    super(413, 'payload_too_large', `body is over the limit of ${maxBytes} bytes (WEBHOOK_MAX_BODY_BYTES)`);
    this.name = 'BodyTooLargeError';
  }
}

export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(new HttpError(415, 'unsupported_content_encoding', `Content-Encoding ${JSON.stringify(encoding)} is not accepted: send the body uncompressed`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        // Nothing more is read; the socket closes once the 413 is sent.
        req.pause();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, 'request_aborted', `the request body could not be read: ${error.message}`));
    };
    const onAborted = () => onError(new Error('the client closed the connection'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
