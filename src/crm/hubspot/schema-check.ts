/**
 * `mappings check` for HubSpot: compares what a mapping writes with the portal's properties
 * (the properties API, one call per object type) and reports, with the mapping line of each
 * property: unknown properties, properties HubSpot calculates (read-only), values of the wrong
 * type, and enumeration values that are not (or no longer visible) options. Values are those the
 * mapping fixes (`value:`), or a sample conversation's when the caller has a plan.
 */
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { didYouMean } from '../../mapping/did-you-mean.ts';
import { CrmError } from '../errors.ts';
import type { ObjectRole, ScalarValue, ValueOrigin } from '../write-plan.ts';
import { hubSpotEndpoints } from './endpoints.ts';

export interface MappedProperty {
  name: string;
  origin: ValueOrigin;
  value?: ScalarValue;
}

export interface MappedObject {
  key: string;
  object: string;
  role: ObjectRole;
  properties: MappedProperty[];
  match?: { property: string; origin: ValueOrigin };
}

export interface PropertyIssue {
  severity: 'error' | 'warning';
  code: 'UNKNOWN_OBJECT' | 'UNKNOWN_PROPERTY' | 'READ_ONLY' | 'TYPE_MISMATCH' | 'INVALID_OPTION' | 'HIDDEN_OPTION' | 'MATCH_NOT_UNIQUE';
  key: string;
  object: string;
  field?: string;
  origin?: ValueOrigin;
  message: string;
}

const PortalProperty = z.looseObject({
  name: z.string(),
  type: z.string(),
  fieldType: z.string().optional(),
  hasUniqueValue: z.boolean().optional(),
  calculated: z.boolean().optional(),
  options: z.array(z.looseObject({ value: z.string(), hidden: z.boolean().optional() })).default([]),
  modificationMetadata: z.looseObject({ readOnlyValue: z.boolean() }).optional(),
});
export type PortalProperty = z.infer<typeof PortalProperty>;
const PortalProperties = z.looseObject({ results: z.array(PortalProperty) });

/** The portal's properties of each object type; an object type HubSpot does not know maps to undefined. */
export async function readPortalProperties(
  portal: { basePath: string; accessToken: string },
  objects: Iterable<string>,
): Promise<Map<string, PortalProperty[] | undefined>> {
  const client = new Client({ basePath: portal.basePath, numberOfApiCallRetries: 0 });
  const paths = hubSpotEndpoints('legacy');
  const found = new Map<string, PortalProperty[] | undefined>();
  for (const object of new Set(objects)) {
    const response = await client.apiRequest({ method: 'GET', path: paths.properties(object), headers: { Authorization: `Bearer ${portal.accessToken}` } });
    const text = await response.text();
    if (response.status === 404 || response.status === 400) {
      found.set(object, undefined);
      continue;
    }
    if (response.status === 401 || response.status === 403) {
      throw new CrmError('auth', `HubSpot refused to list the ${object} properties (${response.status}): reconnect the installation`, { status: response.status });
    }
    const parsed = response.status === 200 ? PortalProperties.safeParse(safeJson(text)) : undefined;
    if (!parsed?.success) {
      throw new CrmError('retryable', `HubSpot answered ${response.status} to listing the ${object} properties`, { status: response.status });
    }
    found.set(object, parsed.data.results);
  }
  return found;
}

export function checkMappingAgainstProperties(objects: readonly MappedObject[], portal: ReadonlyMap<string, PortalProperty[] | undefined>): PropertyIssue[] {
  const issues: PropertyIssue[] = [];
  for (const object of objects) {
    const at = (field: string | undefined, origin: ValueOrigin | undefined, problem: Pick<PropertyIssue, 'severity' | 'code' | 'message'>) =>
      issues.push({ ...problem, key: object.key, object: object.object, ...(field && { field }), ...(origin && { origin }) });
    const properties = portal.get(object.object);
    if (!properties) {
      at(undefined, object.properties[0]?.origin ?? object.match?.origin, { severity: 'error', code: 'UNKNOWN_OBJECT', message: `the portal has no object type ${object.object}` });
      continue;
    }
    const byName = new Map(properties.map((p) => [p.name, p]));
    const names = properties.map((p) => p.name);
    for (const mapped of object.properties) {
      const property = byName.get(mapped.name);
      if (!property) {
        at(mapped.name, mapped.origin, { severity: 'error', code: 'UNKNOWN_PROPERTY', message: `${object.object} has no property ${mapped.name}${didYouMean(mapped.name, names)}` });
        continue;
      }
      if (property.modificationMetadata?.readOnlyValue || property.calculated) {
        at(mapped.name, mapped.origin, { severity: 'error', code: 'READ_ONLY', message: `HubSpot calculates ${object.object}.${mapped.name}: it cannot be written` });
        continue;
      }
      if (mapped.value !== undefined) {
        const problem = valueProblem(property, mapped.value);
        if (problem) at(mapped.name, mapped.origin, problem);
      }
    }
    if (object.match) {
      const property = byName.get(object.match.property);
      if (!property) {
        at(object.match.property, object.match.origin, {
          severity: 'error',
          code: 'UNKNOWN_PROPERTY',
          message: `${object.object} has no property ${object.match.property} to match on${didYouMean(object.match.property, names)}`,
        });
      } else if (object.role === 'deal' && !property.hasUniqueValue) {
        at(object.match.property, object.match.origin, {
          severity: 'error',
          code: 'MATCH_NOT_UNIQUE',
          message: `${object.object}.${object.match.property} does not require unique values, so HubSpot cannot upsert deals on it`,
        });
      }
    }
  }
  return issues;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function valueProblem(property: PortalProperty, value: ScalarValue): Pick<PropertyIssue, 'severity' | 'code' | 'message'> | undefined {
  const shown = JSON.stringify(value);
  const mismatch = (expected: string) => ({
    severity: 'error' as const,
    code: 'TYPE_MISMATCH' as const,
    message: `${property.name} is a ${property.type} property and needs ${expected}, but the mapping gives ${shown}`,
  });
  switch (property.type) {
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? undefined : mismatch('a number');
    case 'bool':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : mismatch('true or false');
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? undefined : mismatch('a date like 2026-06-15');
    case 'datetime':
      return (typeof value === 'string' && !Number.isNaN(Date.parse(value))) || typeof value === 'number' ? undefined : mismatch('a date-time like 2026-06-15T09:30:00Z');
    case 'enumeration': {
      const wanted = property.fieldType === 'checkbox' ? String(value).split(';').map((v) => v.trim()).filter((v) => v !== '') : [String(value)];
      const visible = property.options.filter((o) => !o.hidden).map((o) => o.value);
      for (const v of wanted) {
        const option = property.options.find((o) => o.value === v);
        if (option && !option.hidden) continue;
        if (option) return { severity: 'warning', code: 'HIDDEN_OPTION', message: `"${v}" is a hidden option of ${property.name}: HubSpot stores it, but users cannot pick it (options: ${visible.join(', ') || 'none'})` };
        const suggestion = v.length >= 3 ? didYouMean(v, visible) : '';
        return { severity: 'error', code: 'INVALID_OPTION', message: `"${v}" is not an option of ${property.name}${suggestion}: HubSpot refuses it (options: ${visible.join(', ') || 'none'})` };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
