/** CRM properties: list, read and create (one or a batch) properties and property groups. */
import { Router } from 'express';
import { knownApiVersion, propertiesPaths } from '../api-paths.ts';
import { portalOf } from '../api-pipeline.ts';
import { HubSpotError, notFoundError, type ErrorBody } from '../hubspot-errors.ts';
import { z } from 'zod';
import { sendBatch } from '../batch-response.ts';
import { PropertyCreate, PropertyGroupCreate, propertyView } from '../property-definitions.ts';
import { createProperty, createPropertyGroup } from '../property-operations.ts';
import { booleanParam, objectTypeParam, parseBody, pathParam } from '../request-parsing.ts';
import type { SandboxContext } from '../sandbox-context.ts';

export function propertyRoutes(context: SandboxContext): Router {
  const router = Router();

  // Group routes first: `/groups` is not a property name.
  router.get(propertiesPaths('/groups'), knownApiVersion, (req, res) => {
    res.json({ results: portalOf(res).store.groups(objectTypeParam(req.params.objectType)) });
  });

  router.get(propertiesPaths('/groups/:groupName'), knownApiVersion, (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const name = pathParam(req.params, 'groupName');
    const group = portalOf(res).store.group(type, name);
    if (!group) throw notFoundError(`Property group ${name} does not exist on ${type}.`);
    res.json(group);
  });

  router.post(propertiesPaths('/groups'), knownApiVersion, (req, res) => {
    const input = parseBody(PropertyGroupCreate, req.body);
    res.status(201).json(createPropertyGroup(portalOf(res).store, objectTypeParam(req.params.objectType), input));
  });

  router.get(propertiesPaths(), knownApiVersion, (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    // Nothing is archived in the sandbox.
    const results = booleanParam(req.query.archived) ? [] : portalOf(res).store.properties(type).map(propertyView);
    res.json({ results });
  });

  router.get(propertiesPaths('/:propertyName'), knownApiVersion, (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const name = pathParam(req.params, 'propertyName');
    const definition = portalOf(res).store.property(type, name);
    if (!definition) throw notFoundError(`Property ${name} does not exist on ${type}.`);
    res.json(propertyView(definition));
  });

  // Each input succeeds or fails on its own; failures (a name already taken, ...) make it a 207.
  router.post(propertiesPaths('/batch/create'), knownApiVersion, (req, res) => {
    const startedAt = new Date().toISOString();
    const { inputs } = parseBody(z.object({ inputs: z.array(PropertyCreate) }), req.body);
    const type = objectTypeParam(req.params.objectType);
    const at = new Date(context.now()).toISOString();
    const results: unknown[] = [];
    const errors: ErrorBody[] = [];
    for (const input of inputs) {
      try {
        results.push(propertyView(createProperty(portalOf(res).store, type, input, at)));
      } catch (error) {
        if (!(error instanceof HubSpotError)) throw error;
        errors.push({ ...error.body, context: { name: [input.name] } });
      }
    }
    sendBatch(res, { results, errors }, startedAt, 201);
  });

  router.post(propertiesPaths(), knownApiVersion, (req, res) => {
    const input = parseBody(PropertyCreate, req.body);
    const at = new Date(context.now()).toISOString();
    res.status(201).json(propertyView(createProperty(portalOf(res).store, objectTypeParam(req.params.objectType), input, at)));
  });

  return router;
}
