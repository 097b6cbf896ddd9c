/** Errors as HTTP answers: `{ "error": { "code", "message" } }`, the status chosen once here. */
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * 413. The connection is closed after the answer: otherwise node would read (and discard) the rest
 * of the body to reuse the connection, which is what the limit is there to avoid.
 */
export function payloadTooLarge(res: Response, maxBodyBytes: number): void {
  res.set('Connection', 'close');
  sendError(res, 413, 'payload_too_large', `body is over the limit of ${maxBodyBytes} bytes (WEBHOOK_MAX_BODY_BYTES)`);
}

/** Body-parser errors carry a `type`; everything unexpected is a 500 whose details stay in the log. */
export function errorResponder(logger: Logger, limits: { maxBodyBytes: number }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HttpError) {
      sendError(res, error.status, error.code, error.message);
      return;
    }
    const parserError = error as { type?: string; status?: number; message?: string };
    if (parserError.type === 'entity.too.large') {
      payloadTooLarge(res, limits.maxBodyBytes);
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      sendError(res, parserError.status, parserError.type?.replaceAll('.', '_') ?? 'bad_request', parserError.message ?? 'bad request');
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    sendError(res, 500, 'internal', 'internal error; see the service log');
  };
}
