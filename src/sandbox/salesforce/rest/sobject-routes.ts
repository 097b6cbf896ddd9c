/**
 * sObject resources: describe, create, retrieve/update/delete by id, blob fields, and
 * retrieve/upsert/delete by external id.
 */
import type { SObjectSchema } from '../schema/schema-catalog.ts';
import { describeGlobal, describeSObject } from '../schema/describe.ts';
import { toId18 } from '../org/ids.ts';
import { recordUrl } from '../org/record-writer.ts';
import { fieldOutput } from '../soql/soql-evaluator.ts';
import { notFound, SalesforceApiError, NOT_FOUND_MESSAGE } from './salesforce-error.ts';
import { createdResponse, updatedResponse, upsertResponse } from './save-response.ts';
import { json, type RestContext, type RestResponse, type RestRoute } from './rest-types.ts';
import type { SObjectRecord } from '../org/record-store.ts';

function sobjectOf(ctx: RestContext, name: string): SObjectSchema {
  const schema = ctx.org.schema.sobject(name);
  if (!schema) throw notFound();
  return schema;
}

/** A record by id; a missing one is 404 NOT_FOUND, or ENTITY_IS_DELETED when it was deleted. */
function recordById(ctx: RestContext, schema: SObjectSchema, id: string): SObjectRecord {
  const record = ctx.writer.get(schema, id);
  if (record) return record;
  const id18 = toId18(id);
  if (id18 && ctx.org.store.wasDeleted(id18)) throw SalesforceApiError.of(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  // Salesforce reads a segment that is not an id as an external id field name.
  if (!id18) throw notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
  throw notFound(NOT_FOUND_MESSAGE);
}

export function recordBody(ctx: RestContext, schema: SObjectSchema, record: SObjectRecord, fieldNames?: string[]): Record<string, unknown> {
  const fields = fieldNames
    ? fieldNames.map((name) => {
        const f = schema.field(name);
        if (!f) throw SalesforceApiError.of(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${schema.name}`);
        return f;
      })
    : schema.fields;
  const body: Record<string, unknown> = { attributes: { type: schema.name, url: recordUrl(ctx.version, schema.name, String(record.Id)) } };
  for (const f of fields) body[f.name] = fieldOutput(ctx.version, schema, f, record);
  return body;
}

function requestedFields(query: URLSearchParams): string[] | undefined {
  const fields = query.get('fields');
  return fields ? fields.split(',').map((f) => f.trim()).filter((f) => f !== '') : undefined;
}

function externalIdField(schema: SObjectSchema, name: string) {
  const field = schema.field(name);
  if (!field) throw notFound(`Provided external ID field does not exist or is not accessible: ${name}`);
  if (!field.externalId && !field.idLookup) {
    throw SalesforceApiError.of(400, 'INVALID_FIELD', `Field ${field.name} is not an External ID or indexed field for ${schema.name}`);
  }
  return field;
}

/** The one record an external id names, or the 300 Multiple Choices answer listing several. */
function byExternalId(ctx: RestContext, schema: SObjectSchema, fieldName: string, value: string): { record: SObjectRecord } | { choices: RestResponse } {
  const field = externalIdField(schema, fieldName);
  const matches = field.type === 'id' ? [recordById(ctx, schema, value)] : ctx.writer.findBy(schema, field, value);
  if (matches.length === 0) throw notFound();
  if (matches.length > 1) return { choices: json(300, matches.map((r) => recordUrl(ctx.version, schema.name, String(r.Id)))) };
  return { record: matches[0]! };
}

export const sobjectRoutes: RestRoute[] = [
  {
    pattern: /^\/sobjects\/?$/,
    methods: { GET: (ctx) => json(200, describeGlobal(ctx.version, ctx.org.schema)) },
  },
  {
    pattern: /^\/sobjects\/([^/]+)\/describe\/?$/,
    methods: { GET: (ctx, _req, [name]) => json(200, describeSObject(ctx.version, sobjectOf(ctx, name!))) },
  },
  {
    pattern: /^\/sobjects\/([^/]+)\/?$/,
    methods: {
      GET: (ctx, _req, [name]) => {
        const schema = sobjectOf(ctx, name!);
        const recent = ctx.org.store.all(schema.name).slice(-10).reverse()
          .map((r) => ({ attributes: { type: schema.name, url: recordUrl(ctx.version, schema.name, String(r.Id)) }, Id: r.Id }));
        const { fields: _fields, ...objectDescribe } = describeSObject(ctx.version, schema);
        return json(200, { objectDescribe, recentItems: recent });
      },
      POST: (ctx, req, [name]) => {
        const schema = sobjectOf(ctx, name!);
        return createdResponse(ctx, schema.name, ctx.writer.create(schema, req.body));
      },
    },
  },
  {
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    methods: {
      GET: (ctx, req, [name, id]) => {
        const schema = sobjectOf(ctx, name!);
        return json(200, recordBody(ctx, schema, recordById(ctx, schema, id!), requestedFields(req.query)));
      },
      PATCH: (ctx, req, [name, id]) => {
        const schema = sobjectOf(ctx, name!);
        const record = recordById(ctx, schema, id!);
        return updatedResponse(ctx.writer.update(schema, String(record.Id), req.body));
      },
      DELETE: (ctx, _req, [name, id]) => {
        const schema = sobjectOf(ctx, name!);
        const record = recordById(ctx, schema, id!);
        return updatedResponse(ctx.writer.delete(schema, String(record.Id)));
      },
    },
  },
  {
    // `/sobjects/{Type}/{id}/{blobField}` or `/sobjects/{Type}/{externalIdField}/{value}`.
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
    methods: {
      GET: (ctx, req, [name, second, third]) => {
        const schema = sobjectOf(ctx, name!);
        const blob = schema.field(third!);
        if (toId18(second!) && blob?.type === 'base64') {
          if (ctx.composite) throw SalesforceApiError.of(400, 'INVALID_INPUT', 'sObject Blob Get is not supported in a composite request');
          const record = recordById(ctx, schema, second!);
          const value = record[blob.name];
          if (typeof value !== 'string') throw notFound();
          return { status: 200, body: Buffer.from(value, 'base64'), headers: { 'Content-Type': 'application/octet-stream' } };
        }
        const found = byExternalId(ctx, schema, second!, third!);
        return 'choices' in found ? found.choices : json(200, recordBody(ctx, schema, found.record, requestedFields(req.query)));
      },
      PATCH: (ctx, req, [name, fieldName, value]) => {
        const schema = sobjectOf(ctx, name!);
        const result = ctx.writer.upsert(schema, externalIdField(schema, fieldName!), value!, req.body);
        if ('multiple' in result) return json(300, result.multiple.map((id) => recordUrl(ctx.version, schema.name, id)));
        return upsertResponse(ctx, schema.name, result);
      },
      DELETE: (ctx, _req, [name, fieldName, value]) => {
        const schema = sobjectOf(ctx, name!);
        const found = byExternalId(ctx, schema, fieldName!, value!);
        return 'choices' in found ? found.choices : updatedResponse(ctx.writer.delete(schema, String(found.record.Id)));
      },
    },
  },
];
