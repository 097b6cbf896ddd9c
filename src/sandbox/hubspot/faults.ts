/**
 * Fault injection for fault tests: the next `count` API requests of a portal (optionally only
 * those under `pathPrefix`) get an error status, a delay, or both. With `afterWrite` the request
 * is processed first and only its response is replaced: the write happened, the client cannot
 * tell, exactly the ambiguity a real 5xx or timeout leaves.
 */
import { z } from 'zod';

export const FaultSpec = z.object({
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(429)]).optional(),
  count: z.number().int().positive(),
  pathPrefix: z.string().startsWith('/').optional(),
  delayMs: z.number().int().nonnegative().max(120_000).optional(),
  afterWrite: z.boolean().optional(),
}).refine((spec) => spec.status !== undefined || spec.delayMs !== undefined, { message: 'a fault needs a status, a delayMs, or both' })
  .refine((spec) => !spec.afterWrite || spec.status !== undefined, { message: 'afterWrite needs a status to replace the response with' });
export type FaultSpec = z.infer<typeof FaultSpec>;

export class FaultInjector {
  #rules: { spec: FaultSpec; remaining: number }[] = [];

  add(spec: FaultSpec): void {
    this.#rules.push({ spec, remaining: spec.count });
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * The fault for this request, if one applies; each use counts against its rule. `explicitOnly`:
   * only rules whose pathPrefix names this path (the token endpoint is not an API call).
   */
  take(path: string, options: { explicitOnly?: boolean } = {}): FaultSpec | undefined {
    const applies = (prefix: string | undefined) => (prefix === undefined ? !options.explicitOnly : path.startsWith(prefix));
    const rule = this.#rules.find((r) => r.remaining > 0 && applies(r.spec.pathPrefix));
    if (!rule) return undefined;
    rule.remaining--;
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return rule.spec;
  }
}
