/** Turning request bodies, path and query parameters into typed values, or HubSpot's 400. */
import type { z } from 'zod';
import { describeIssues } from '../../zod-issues.ts';
import { validationError } from './hubspot-errors.ts';
import { resolveObjectType, type ObjectTypeName } from './object-types.ts';

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw validationError(`Invalid input JSON: ${describeIssues(parsed.error, 'body').join('; ')}`);
  return parsed.data;
}

/** A named path segment as a string (express types them loosely when paths are built). */
export function pathParam(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : '';
}

export function objectTypeParam(raw: unknown): ObjectTypeName {
  const text = typeof raw === 'string' ? raw : '';
  const type = resolveObjectType(text);
  if (!type) throw validationError(`Unable to infer object type from: ${text}`);
  return type;
}

/** Query lists come repeated (`?properties=a&properties=b`) or comma-separated; both are accepted. */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return items.length > 0 ? items : undefined;
}

export function booleanParam(value: unknown): boolean {
  return String(value).toLowerCase() === 'true';
}
