import type { z } from 'zod';

/** One line per zod issue, each led by the dotted path it concerns: "visitor.ip_country: expected string". */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}

/**
 * describeIssues for input that may be someone else's content (an answer from a URL an admin
 * entered): each issue says what the schema expected at which path, and path segments the schema
 * does not name (record keys) read `[key]`, so no part of the input is repeated.
 */
export function describeIssuesOfUntrusted(error: z.ZodError, schema: z.ZodType): string[] {
  const known = schemaKeys(schema);
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' || (typeof p === 'string' && known.has(p)) ? String(p) : '[key]')).join('.');
    // Only unrecognized_keys lists input in its default message; the others name what was expected.
    const message = issue.code === 'unrecognized_keys' ? `unexpected keys (${issue.keys.length})` : issue.message;
    return `${path || '(root)'}: ${message}`;
  });
}

const keysBySchema = new WeakMap<z.ZodType, Set<string>>();

/** Every object key a schema names, at any depth (through arrays, records, unions, pipes, lazies...). */
function schemaKeys(schema: z.ZodType): Set<string> {
  let keys = keysBySchema.get(schema);
  if (keys) return keys;
  keys = new Set<string>();
  const seen = new Set<unknown>();
  const isSchema = (v: unknown): v is z.ZodType => typeof v === 'object' && v !== null && '_zod' in v;
  const walk = (s: z.ZodType) => {
    if (seen.has(s)) return;
    seen.add(s);
    const def = s._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'lazy') walk((def.getter as () => z.ZodType)());
    for (const [name, value] of Object.entries(def)) {
      if (name === 'shape' && typeof value === 'object' && value !== null) {
        for (const [key, child] of Object.entries(value)) {
          keys!.add(key);
          if (isSchema(child)) walk(child);
        }
      } else if (isSchema(value)) walk(value);
      else if (Array.isArray(value)) value.filter(isSchema).forEach(walk);
    }
  };
  walk(schema);
  keysBySchema.set(schema, keys);
  return keys;
}
