/** What every execution phase needs: the requests, where links point, how bodies are fitted. */
import type { WrittenObject } from '../adapter.ts';
import type { Logger } from '../../log.ts';
import type { NoteOverflow } from './note-body.ts';
import { recordUrl } from './record-links.ts';
import type { HubSpotRequests } from './requests.ts';

export interface BatchContext {
  requests: HubSpotRequests;
  portalId: string;
  appBaseUrl: string;
  noteOverflow: NoteOverflow;
  bodyLimit: number;
  /**
   * Companies this process created, by domain: HubSpot's search index lags writes by seconds,
   * so a second conversation from the same company soon after would not find the first one's.
   */
  createdCompanies: RecentCompanies;
  log: Logger;
}

export function written(ctx: BatchContext, object: string, id: string): WrittenObject {
  const url = recordUrl(ctx.appBaseUrl, ctx.portalId, object, id);
  return url ? { object, id, url } : { object, id };
}

/** A bounded, expiring domain → company id memory. */
export class RecentCompanies {
  readonly #entries = new Map<string, { id: string; at: number }>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(ttlMs = 10 * 60_000, max = 10_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  get(domain: string): string | undefined {
    const entry = this.#entries.get(domain);
    if (entry && Date.now() - entry.at <= this.#ttlMs) return entry.id;
    this.#entries.delete(domain);
    return undefined;
  }

  remember(domain: string, id: string): void {
    this.#entries.delete(domain);
    this.#entries.set(domain, { id, at: Date.now() });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}
