/** CRM objects: batch create/update/upsert/read/archive, search, and the basic read/patch by id. */
import { Router } from 'express';
import { z } from 'zod';
import { knownApiVersion, objectsPaths } from '../api-paths.ts';
import { portalOf } from '../api-pipeline.ts';
import { sendBatch } from '../batch-response.ts';
import { batchArchive, batchCreate, batchRead, batchUpdate, batchUpsert, getObject, patchObject } from '../object-operations.ts';
import { SearchRequest, searchObjects } from '../object-search.ts';
import { booleanParam, listParam, objectTypeParam, parseBody, pathParam } from '../request-parsing.ts';
import type { SandboxContext } from '../sandbox-context.ts';

/** HubSpot takes property values as strings but tolerates JSON numbers/booleans; null clears. */
const PropertyValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v))));
const Id = z.union([z.string().min(1), z.number()]).transform(String);

const InlineAssociation = z.object({
  to: z.object({ id: Id }),
  types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })).min(1),
});

const CreateBody = z.object({
  inputs: z.array(z.object({
    properties: PropertyValues,
    associations: z.array(InlineAssociation).optional(),
    objectWriteTraceId: z.string().optional(),
  })),
});

const UpdateBody = z.object({
  inputs: z.array(z.object({
    id: Id,
    idProperty: z.string().optional(),
    properties: PropertyValues,
    objectWriteTraceId: z.string().optional(),
  })),
});

const ReadBody = z.object({
  inputs: z.array(z.object({ id: Id })),
  idProperty: z.string().optional(),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
});

const PatchBody = z.object({ properties: PropertyValues });
const ArchiveBody = z.object({ inputs: z.array(z.object({ id: Id })) });

export function objectRoutes(context: SandboxContext): Router {
  const router = Router();
  const store = (res: Parameters<typeof portalOf>[0]) => portalOf(res).store;
  const started = () => new Date().toISOString();

  router.post(objectsPaths('/batch/create'), knownApiVersion, (req, res) => {
    const startedAt = started();
    const { inputs } = parseBody(CreateBody, req.body);
    const results = batchCreate(store(res), objectTypeParam(req.params.objectType), inputs, context.operations);
    sendBatch(res, { results }, startedAt, 201);
  });

  router.post(objectsPaths('/batch/update'), knownApiVersion, (req, res) => {
    const startedAt = started();
    const { inputs } = parseBody(UpdateBody, req.body);
    sendBatch(res, batchUpdate(store(res), objectTypeParam(req.params.objectType), inputs, context.operations), startedAt, 200);
  });

  router.post(objectsPaths('/batch/upsert'), knownApiVersion, (req, res) => {
    const startedAt = started();
    const { inputs } = parseBody(UpdateBody, req.body);
    const results = batchUpsert(store(res), objectTypeParam(req.params.objectType), inputs, context.operations);
    sendBatch(res, { results }, startedAt, 200);
  });

  router.post(objectsPaths('/batch/read'), knownApiVersion, (req, res) => {
    const startedAt = started();
    const body = parseBody(ReadBody, req.body);
    const outcome = batchRead(store(res), objectTypeParam(req.params.objectType), {
      ids: body.inputs.map((input) => input.id),
      idProperty: body.idProperty,
      properties: body.properties,
      propertiesWithHistory: body.propertiesWithHistory,
      archived: booleanParam(req.query.archived),
    }, context.operations);
    sendBatch(res, outcome, startedAt, 200);
  });

  router.post(objectsPaths('/batch/archive'), knownApiVersion, (req, res) => {
    const { inputs } = parseBody(ArchiveBody, req.body);
    batchArchive(store(res), objectTypeParam(req.params.objectType), inputs.map((input) => input.id));
    res.status(204).end();
  });

  router.post(objectsPaths('/search'), knownApiVersion, (req, res) => {
    const request = parseBody(SearchRequest, req.body);
    res.json(searchObjects(store(res), objectTypeParam(req.params.objectType), request));
  });

  router.get(objectsPaths('/:objectId'), knownApiVersion, (req, res) => {
    const idProperty = typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined;
    res.json(getObject(store(res), objectTypeParam(req.params.objectType), {
      id: pathParam(req.params, 'objectId'),
      idProperty,
      properties: listParam(req.query.properties),
      propertiesWithHistory: listParam(req.query.propertiesWithHistory),
      associations: listParam(req.query.associations)?.map(objectTypeParam),
      archived: booleanParam(req.query.archived),
    }));
  });

  router.patch(objectsPaths('/:objectId'), knownApiVersion, (req, res) => {
    const idProperty = typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined;
    const { properties } = parseBody(PatchBody, req.body);
    res.json(patchObject(store(res), objectTypeParam(req.params.objectType), pathParam(req.params, 'objectId'), idProperty, properties));
  });

  return router;
}
