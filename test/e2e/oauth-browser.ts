/**
 * What the OAuth e2e suites drive the connect flows with: a minimal browser over real HTTP (a
 * cookie jar, redirects followed one Location at a time so each hop can be inspected), and a
 * fetch that counts calls to the CRMs' token endpoints.
 *
 * The connector runs with PUBLIC_URL=http://connector.test (the address the CRM redirects the
 * browser to, as behind a reverse proxy); the browser maps that origin to where the service
 * really listens.
 */
export const PUBLIC_URL = 'http://connector.test';

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly #serviceUrl: () => string;
  readonly #publicUrl: string;

  /** `publicUrl`: the service's PUBLIC_URL when it is not the default (an https one, as behind a TLS-terminating proxy). */
  constructor(serviceUrl: () => string, publicUrl = PUBLIC_URL) {
    this.#serviceUrl = serviceUrl;
    this.#publicUrl = publicUrl;
  }

  /** One request, no redirect followed; Set-Cookie is kept. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(this.#resolve(url), { method: init.method ?? (body ? 'POST' : 'GET'), headers, redirect: 'manual', ...(body ? { body } : {}) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a)) || pair.slice(eq + 1) === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return response;
  }

  /** The Location of a redirect answer (failing the test when it is not one). */
  static location(response: Response): string {
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`expected a redirect, got ${response.status} ${response.headers.get('content-type') ?? ''}`);
    }
    return location;
  }

  #resolve(url: string): string {
    return url.startsWith(this.#publicUrl) ? this.#serviceUrl() + url.slice(this.#publicUrl.length) : url.startsWith('/') ? this.#serviceUrl() + url : url;
  }
}

/** The hidden and checked inputs of the first form on a page, as a browser would submit them. */
export function formFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of page.matchAll(/<input\b([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1];
    const type = attr('type');
    const name = attr('name');
    if (!name || (type === 'radio' && !/\bchecked\b/.test(attributes))) continue;
    fields[name] = unescapeHtml(attr('value') ?? '');
  }
  return fields;
}

const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _);

/** Real fetch, counting the token-endpoint calls of each grant type. */
export class CountingFetch {
  readonly grants: string[] = [];
  readonly fetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    if (/\/(oauth\/v1|services\/oauth2)\/token$/.test(new URL(url).pathname) && typeof init?.body === 'string') {
      this.grants.push(new URLSearchParams(init.body).get('grant_type') ?? '?');
    }
    return fetch(input, init);
  };

  count(grantType: string): number {
    return this.grants.filter((g) => g === grantType).length;
  }
}
