/**
 * The one page the connect flow renders itself: why a connection did not complete, with a link
 * to start again. Success never renders here: it redirects to the installation's admin page.
 * Served with no-referrer (the callback URL carries the authorization code) and no caching.
 */
import type { Response } from 'express';
import { html } from '../html.ts';

export interface ConnectProblem {
  status: number;
  title: string;
  message: string;
  /** Where "Start again" goes (the install URL), if anywhere. */
  retryHref?: string | undefined;
}

export function sendConnectProblem(res: Response, problem: ConnectProblem): void {
  res.set({
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${problem.title}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1.5rem; color: #1c2430; }
  .problem { border: 1px solid #e6b8ba; background: #fbe5e6; color: #7d1d22; padding: .8rem 1rem; border-radius: 6px; }
  a { color: #1f5fbf; }
</style>
</head>
<body>
<h1>${problem.title}</h1>
<p class="problem" role="alert">${problem.message}</p>
${problem.retryHref ? html`<p><a href="${problem.retryHref}">Start again</a></p>` : ''}
</body>
</html>`;
  res.status(problem.status).type('html').send(page.toString());
}
