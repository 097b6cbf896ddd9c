/**
 * Associations v4 batch API: associate with the default type, create with explicit types, and
 * read. v4 returns object ids on the `to` side as JSON numbers, as HubSpot does.
 */
import { Router } from 'express';
import { z } from 'zod';
import { associationsPaths, knownApiVersion } from '../api-paths.ts';
import { portalOf } from '../api-pipeline.ts';
import { associationType, defaultAssociationType } from '../association-types.ts';
import { sendBatch } from '../batch-response.ts';
import { validationError, type ErrorBody } from '../hubspot-errors.ts';
import { assertBatchSize, notFoundGroup } from '../object-operations.ts';
import { OBJECT_TYPES, type ObjectTypeName } from '../object-types.ts';
import type { PortalStore } from '../portal-store.ts';
import { objectTypeParam, parseBody } from '../request-parsing.ts';

const Id = z.union([z.string().min(1), z.number()]).transform(String);
const Pair = z.object({ from: z.object({ id: Id }), to: z.object({ id: Id }) });

const DefaultBody = z.object({ inputs: z.array(Pair) });
const CreateBody = z.object({
  inputs: z.array(Pair.extend({
    types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })).min(1),
  })),
});
const ReadBody = z.object({ inputs: z.array(z.object({ id: Id, after: z.string().optional() })) });

/** Splits inputs into those whose two records exist and HubSpot's not-found errors for the rest. */
function existing<T extends z.infer<typeof Pair>>(store: PortalStore, from: ObjectTypeName, to: ObjectTypeName, inputs: T[]): { found: T[]; errors: ErrorBody[] } {
  const missingFrom = new Set<string>();
  const missingTo = new Set<string>();
  const found = inputs.filter((input) => {
    const fromOk = store.get(from, input.from.id) !== undefined;
    const toOk = store.get(to, input.to.id) !== undefined;
    if (!fromOk) missingFrom.add(input.from.id);
    if (!toOk) missingTo.add(input.to.id);
    return fromOk && toOk;
  });
  const errors: ErrorBody[] = [];
  if (missingFrom.size > 0) errors.push(notFoundGroup(from, [...missingFrom]));
  if (missingTo.size > 0) errors.push(notFoundGroup(to, [...missingTo]));
  return { found, errors };
}

export function associationRoutes(): Router {
  const router = Router();
  const types = (params: Record<string, unknown>) => [objectTypeParam(params.fromObjectType), objectTypeParam(params.toObjectType)] as const;

  router.post(associationsPaths('/batch/associate/default'), knownApiVersion, (req, res) => {
    const startedAt = new Date().toISOString();
    const [from, to] = types(req.params);
    const { inputs } = parseBody(DefaultBody, req.body);
    assertBatchSize(inputs.length);
    const type = defaultAssociationType(from, to);
    if (!type) throw validationError(`There is no default association type from ${OBJECT_TYPES[from].singular} to ${OBJECT_TYPES[to].singular}.`);
    const store = portalOf(res).store;
    const { found, errors } = existing(store, from, to, inputs);
    const results = found.flatMap(({ from: a, to: b }) => {
      store.associations.add(from, a.id, to, b.id, type.typeId);
      // HubSpot reports both directions of a default association.
      return [
        { from: { id: a.id }, to: { id: b.id }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: type.typeId } },
        { from: { id: b.id }, to: { id: a.id }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: type.inverseTypeId } },
      ];
    });
    sendBatch(res, { results, errors }, startedAt, 200);
  });

  router.post(associationsPaths('/batch/create'), knownApiVersion, (req, res) => {
    const startedAt = new Date().toISOString();
    const [from, to] = types(req.params);
    const { inputs } = parseBody(CreateBody, req.body);
    assertBatchSize(inputs.length);
    for (const spec of inputs.flatMap((input) => input.types)) {
      const type = associationType(spec.associationTypeId);
      if (spec.associationCategory !== 'HUBSPOT_DEFINED' || !type || type.from !== from || type.to !== to) {
        throw validationError(`${spec.associationCategory} association type id ${spec.associationTypeId} does not exist between ${OBJECT_TYPES[from].singular} and ${OBJECT_TYPES[to].singular}.`);
      }
    }
    const store = portalOf(res).store;
    const { found, errors } = existing(store, from, to, inputs);
    const results = found.map((input) => {
      for (const spec of input.types) store.associations.add(from, input.from.id, to, input.to.id, spec.associationTypeId);
      return {
        fromObjectTypeId: OBJECT_TYPES[from].objectTypeId,
        fromObjectId: Number(input.from.id),
        toObjectTypeId: OBJECT_TYPES[to].objectTypeId,
        toObjectId: Number(input.to.id),
        labels: input.types.flatMap((spec) => associationType(spec.associationTypeId)?.label ?? []),
      };
    });
    sendBatch(res, { results, errors }, startedAt, 201);
  });

  router.post(associationsPaths('/batch/read'), knownApiVersion, (req, res) => {
    const startedAt = new Date().toISOString();
    const [from, to] = types(req.params);
    const { inputs } = parseBody(ReadBody, req.body);
    assertBatchSize(inputs.length);
    const store = portalOf(res).store;
    const results = [];
    const errors: ErrorBody[] = [];
    for (const id of new Set(inputs.map((input) => input.id))) {
      const links = store.associations.list(from, id, to);
      if (links.length === 0) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${OBJECT_TYPES[to].singular} is associated with ${OBJECT_TYPES[from].singular} ${id}.`,
          context: { fromObjectId: [id], toObjectType: [OBJECT_TYPES[to].singular] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: links.map((link) => ({
          toObjectId: Number(link.toId),
          associationTypes: link.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: associationType(typeId)?.label ?? null })),
        })),
      });
    }
    sendBatch(res, { results, errors }, startedAt, 200);
  });

  return router;
}
