/**
 * The keys a zod object schema allows at a key path, found by walking the schema itself, so an
 * "unknown key" message can suggest the right one without a second list of keys to keep in sync.
 */
import type { z } from 'zod';
import type { KeyPath } from './problems.ts';

interface Def {
  type: string;
  innerType?: z.ZodType;
  getter?: () => z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Optional, default, lazy and the like wrap the schema that matters. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    const inner = def.innerType ?? def.getter?.() ?? def.in;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** Object schemas that a value at this level may be (several for unions). */
function objectsAt(schema: z.ZodType): Record<string, z.ZodType>[] {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape) return [def.shape];
  if (def.type === 'union' && def.options) return def.options.flatMap(objectsAt);
  return [];
}

function step(schema: z.ZodType, segment: string | number): z.ZodType[] {
  const def = defOf(unwrap(schema));
  if (def.type === 'record' && def.valueType) return [def.valueType];
  if (def.type === 'array' && def.element) return [def.element];
  const shapes = objectsAt(schema);
  return shapes.flatMap((shape) => (typeof segment === 'string' && Object.hasOwn(shape, segment) ? [shape[segment] as z.ZodType] : []));
}

export function allowedKeysAt(root: z.ZodType, path: KeyPath): string[] {
  let schemas = [root];
  for (const segment of path) schemas = schemas.flatMap((s) => step(s, segment));
  return [...new Set(schemas.flatMap(objectsAt).flatMap((shape) => Object.keys(shape)))];
}
