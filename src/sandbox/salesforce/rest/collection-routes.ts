/**
 * sObject Collections: create (POST), update (PATCH), delete (DELETE ?ids=), upsert by external id
 * (PATCH /{Type}/{Field}) and retrieve (POST /{Type}) up to 200 records in one API call. The
 * answer is 200 with one save result per record, in order; with `allOrNone` one failure rolls
 * every record back and the others report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import type { SObjectSchema } from '../schema/schema-catalog.ts';
import { isPlainObject, type SaveResult } from '../org/record-writer.ts';
import { toId18 } from '../org/ids.ts';
import { recordError, SalesforceApiError, notFound } from './salesforce-error.ts';
import { collectionItem, ROLLED_BACK } from './save-response.ts';
import { recordBody } from './sobject-routes.ts';
import { json, type RestContext, type RestResponse, type RestRoute } from './rest-types.ts';

const MAX_RECORDS = 200;

interface CollectionBody {
  allOrNone: boolean;
  records: Record<string, unknown>[];
}

function collectionBody(body: unknown): CollectionBody {
  if (!isPlainObject(body)) throw SalesforceApiError.of(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object with a "records" array');
  const { allOrNone = false, records } = body;
  if (typeof allOrNone !== 'boolean') throw SalesforceApiError.of(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of boolean from value ${JSON.stringify(allOrNone)} (allOrNone)`);
  if (!Array.isArray(records)) throw SalesforceApiError.of(400, 'JSON_PARSER_ERROR', 'The request body must have a "records" array');
  if (records.length > MAX_RECORDS) throw SalesforceApiError.of(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
  if (!records.every(isPlainObject)) throw SalesforceApiError.of(400, 'JSON_PARSER_ERROR', 'Each entry of "records" must be a JSON object');
  return { allOrNone, records };
}

/** The record's object from `attributes.type`; a record without one cannot be saved. */
function typeOf(ctx: RestContext, record: Record<string, unknown>): SObjectSchema | SaveResult {
  const attributes = record.attributes;
  const type = isPlainObject(attributes) ? attributes.type : undefined;
  if (typeof type !== 'string' || type === '') return { success: false, errors: [recordError('INVALID_TYPE', 'Must send a concrete entity type.')] };
  const schema = ctx.org.schema.sobject(type);
  if (!schema) return { success: false, errors: [recordError('INVALID_TYPE', `sObject type '${type}' is not supported.`)] };
  return schema;
}

const isSchema = (value: SObjectSchema | SaveResult): value is SObjectSchema => !('success' in value);

/**
 * Saves each record in one transaction; all-or-none (the request's flag, or an all-or-none
 * composite around it) undoes every write once one record fails.
 */
function saveAll(ctx: RestContext, allOrNone: boolean, count: number, save: (index: number) => SaveResult, upsert = false): RestResponse {
  ctx.org.stats.collectionRecords(count);
  const atomic = allOrNone || (ctx.composite?.allOrNone ?? false);
  const results = ctx.org.store.transaction(
    () => Array.from({ length: count }, (_, i) => save(i)),
    (saved) => !atomic || saved.every((r) => r.success),
  );
  const anyFailed = results.some((r) => !r.success);
  const items = results.map((r) => {
    if (atomic && anyFailed && r.success) {
      const rolledBack: SaveResult = { success: false, errors: [ROLLED_BACK] };
      return collectionItem(r.created ? rolledBack : { ...rolledBack, id: r.id }, { upsert });
    }
    return collectionItem(r, { upsert });
  });
  return json(200, items);
}

export const collectionRoutes: RestRoute[] = [
  {
    pattern: /^\/composite\/sobjects\/?$/,
    methods: {
      POST: (ctx, req) => {
        const { allOrNone, records } = collectionBody(req.body);
        return saveAll(ctx, allOrNone, records.length, (i) => {
          const record = records[i]!;
          const schema = typeOf(ctx, record);
          if (!isSchema(schema)) return schema;
          return ctx.writer.create(schema, record);
        });
      },
      PATCH: (ctx, req) => {
        const { allOrNone, records } = collectionBody(req.body);
        return saveAll(ctx, allOrNone, records.length, (i) => {
          const record = records[i]!;
          const schema = typeOf(ctx, record);
          if (!isSchema(schema)) return schema;
          const id = record.id ?? record.Id;
          if (typeof id !== 'string' || id === '') {
            return { success: false, errors: [recordError('MISSING_ARGUMENT', 'Id not specified in an update call')] };
          }
          const { id: _lower, Id: _upper, ...fields } = record;
          return ctx.writer.update(schema, id, fields);
        });
      },
      DELETE: (ctx, req) => {
        const ids = (req.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (ids.length === 0) throw SalesforceApiError.of(400, 'MISSING_ARGUMENT', 'ids parameter is required');
        if (ids.length > MAX_RECORDS) throw SalesforceApiError.of(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
        const allOrNone = req.query.get('allOrNone') === 'true';
        return saveAll(ctx, allOrNone, ids.length, (i) => {
          const id = ids[i]!;
          const id18 = toId18(id);
          const schema = id18 ? ctx.org.schema.byKeyPrefix(id18.slice(0, 3)) : undefined;
          if (!schema) return { success: false, id, errors: [ctx.writer.missing(id)] };
          return ctx.writer.delete(schema, id);
        });
      },
    },
  },
  {
    pattern: /^\/composite\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    methods: {
      PATCH: (ctx, req, [name, fieldName]) => {
        const schema = ctx.org.schema.sobject(name!);
        if (!schema) throw notFound();
        const field = schema.field(fieldName!);
        if (!field || (!field.externalId && !field.idLookup)) {
          throw notFound(`Provided external ID field does not exist or is not accessible: ${fieldName}`);
        }
        const { allOrNone, records } = collectionBody(req.body);
        const valueOf = (record: Record<string, unknown>): unknown => Object.entries(record).find(([k]) => k.toLowerCase() === field.name.toLowerCase())?.[1];
        const seen = new Map<string, number>();
        for (const record of records) {
          const value = valueOf(record);
          if (typeof value === 'string') seen.set(value.toLowerCase(), (seen.get(value.toLowerCase()) ?? 0) + 1);
        }
        return saveAll(ctx, allOrNone, records.length, (i) => {
          const record = records[i]!;
          const type = typeOf(ctx, record);
          if (!isSchema(type)) return type;
          if (type.name !== schema.name) {
            return { success: false, errors: [recordError('INVALID_TYPE', `The record's type ${type.name} does not match the URL's ${schema.name}`)] };
          }
          const value = valueOf(record);
          if (value === undefined || value === null || value === '') {
            return { success: false, errors: [recordError('MISSING_ARGUMENT', `${field.name} not specified`)] };
          }
          const text = String(value);
          if ((seen.get(text.toLowerCase()) ?? 0) > 1) {
            return { success: false, errors: [recordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${text}`, [field.name])] };
          }
          const result = ctx.writer.upsert(schema, field, text, record);
          if ('multiple' in result) {
            return { success: false, errors: [recordError('DUPLICATE_EXTERNAL_ID', `${field.name}: more than one record found for external id field: [${result.multiple.join(', ')}]`, [field.name])] };
          }
          return result;
        }, true);
      },
    },
  },
  {
    pattern: /^\/composite\/sobjects\/([^/]+)\/?$/,
    methods: {
      POST: (ctx, req, [name]) => {
        const schema = ctx.org.schema.sobject(name!);
        if (!schema) throw notFound();
        const body = isPlainObject(req.body) ? req.body : {};
        const { ids, fields } = body;
        if (!Array.isArray(ids) || !Array.isArray(fields) || ![...ids, ...fields].every((v) => typeof v === 'string')) {
          throw SalesforceApiError.of(400, 'JSON_PARSER_ERROR', 'The request body must be {"ids": [...], "fields": [...]} with strings');
        }
        if (ids.length > 2000) throw SalesforceApiError.of(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 2000 records into this call');
        return json(200, ids.map((id: string) => {
          const record = ctx.writer.get(schema, id);
          return record ? recordBody(ctx, schema, record, fields as string[]) : null;
        }));
      },
    },
  },
];
