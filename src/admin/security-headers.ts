/**
 * Headers on every admin response. The pages need no script and no external asset, so the
 * policy allows inline styles only; forms may post only back here; no site may frame the pages
 * (clickjacking a Retry or Disconnect button). Pages can show a webhook secret: never cached.
 */
import type { RequestHandler } from 'express';

export const ADMIN_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

export const adminSecurityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': ADMIN_CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });
  next();
};
