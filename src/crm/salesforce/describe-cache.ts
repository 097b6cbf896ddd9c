/**
 * `describe` results of one org, fetched together (one Composite call for up to 25 objects)
 * and kept for a while: the adapter needs them to select only existing fields in its lookups,
 * to leave out Lead-only fields when a visitor turns out to be a Contact, and to find the
 * external id fields it upserts on. Fetches in flight are shared.
 */
import type { CrmError } from '../errors.ts';
import type { SalesforceApi } from './api.ts';
import { MAX_COMPOSITE_SUBREQUESTS, sendComposite, succeeded } from './composite.ts';
import { classifyErrorItems, errorItemsOf } from './error-classifier.ts';
import { SObjectDescribe } from './responses.ts';
import { soqlName } from './soql.ts';

export type DescribeOutcome = { ok: true; describe: SObjectDescribe } | { ok: false; error: CrmError };

interface Entry {
  outcome: Promise<DescribeOutcome>;
  fetchedAt: number;
}

export class DescribeCache {
  readonly #api: SalesforceApi;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(api: SalesforceApi, ttlMs: number, now: () => number = Date.now) {
    this.#api = api;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * Describes of the given objects. A whole-call failure (auth, limits, network) rejects; an
   * object Salesforce does not know is an `ok: false` entry, so only plans using it fail.
   */
  async get(objects: Iterable<string>): Promise<Map<string, DescribeOutcome>> {
    const wanted = [...new Set(objects)];
    const stale = wanted.filter((name) => {
      const entry = this.#entries.get(name);
      return !entry || this.#now() - entry.fetchedAt > this.#ttlMs;
    });
    for (let i = 0; i < stale.length; i += MAX_COMPOSITE_SUBREQUESTS) this.#fetch(stale.slice(i, i + MAX_COMPOSITE_SUBREQUESTS));
    const outcomes = await Promise.all(wanted.map(async (name) => [name, await this.#entries.get(name)!.outcome] as const));
    return new Map(outcomes);
  }

  /** Forgets an object's describe (after creating a field on it). */
  invalidate(object: string): void {
    this.#entries.delete(object);
  }

  #fetch(objects: string[]): void {
    const batch = sendComposite(
      this.#api,
      objects.map((name, i) => ({ method: 'GET', path: `/sobjects/${soqlName(name)}/describe`, referenceId: `describe${i}` })),
      `describing ${objects.join(', ')}`,
      true,
    );
    const fetchedAt = this.#now();
    objects.forEach((name, i) => {
      const outcome = batch.then((answers): DescribeOutcome => {
        const answer = answers.get(`describe${i}`)!;
        if (!succeeded(answer)) {
          return { ok: false, error: classifyErrorItems(errorItemsOf(answer.body), `describing ${name}`, answer.httpStatusCode) };
        }
        const parsed = SObjectDescribe.safeParse(answer.body);
        if (!parsed.success) {
          return { ok: false, error: classifyErrorItems([{ message: 'unexpected describe answer', errorCode: 'UNEXPECTED_RESPONSE' }], `describing ${name}`) };
        }
        return { ok: true, describe: parsed.data };
      });
      // A failed call must not stay cached: the next execute asks again.
      outcome.then(
        (o) => { if (!o.ok) this.#dropIfCurrent(name, outcome); },
        () => this.#dropIfCurrent(name, outcome),
      );
      this.#entries.set(name, { outcome, fetchedAt });
    });
  }

  #dropIfCurrent(name: string, outcome: Promise<DescribeOutcome>): void {
    if (this.#entries.get(name)?.outcome === outcome) this.#entries.delete(name);
  }
}

/** A field of a describe, by API name (case-insensitive, as Salesforce treats them). */
export function findField(describe: SObjectDescribe, name: string) {
  const lower = name.toLowerCase();
  return describe.fields.find((f) => f.name.toLowerCase() === lower);
}
