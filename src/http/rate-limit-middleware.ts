/**
 * One request, one point from a limiter; over the limit, `Retry-After` (whole seconds until the
 * window frees a point) and the route's own refusal (an HTML page for browsers, JSON for webhooks).
 */
import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export function limitRequests(
  limiter: RateLimiterAbstract,
  keyOf: (req: Request) => string,
  refuse: (req: Request, res: Response, retryAfterSeconds: number) => void,
): RequestHandler {
  return async (req, res, next) => {
    let refusal: RateLimiterRes | undefined;
    try {
      await limiter.consume(keyOf(req));
    } catch (outcome) {
      // The library rejects with a RateLimiterRes when over the limit, with an Error when it failed.
      if (!(outcome instanceof RateLimiterRes)) {
        next(outcome);
        return;
      }
      refusal = outcome;
    }
    if (!refusal) {
      next();
      return;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    res.set('Retry-After', String(retryAfterSeconds));
    refuse(req, res, retryAfterSeconds);
  };
}
