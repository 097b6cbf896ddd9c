/**
 * Route paths for both API generations: the v3 objects/properties and v4 associations paths,
 * and HubSpot's date-versioned ones (`/crm/objects/2026-03/...`) with the same bodies, so a
 * client moving off v3/v4 before their retirement can be tested here too.
 */
import type { RequestHandler } from 'express';

const DATE_VERSION = /^\d{4}-\d{2}$/;

export const objectsPaths = (suffix = '') => [`/crm/v3/objects/:objectType${suffix}`, `/crm/objects/:apiVersion/:objectType${suffix}`];
export const propertiesPaths = (suffix = '') => [`/crm/v3/properties/:objectType${suffix}`, `/crm/properties/:apiVersion/:objectType${suffix}`];
export const associationsPaths = (suffix = '') => [
  `/crm/v4/associations/:fromObjectType/:toObjectType${suffix}`,
  `/crm/associations/:apiVersion/:fromObjectType/:toObjectType${suffix}`,
];

/** Lets a date-versioned path through only when its version looks like `2026-03`; otherwise 404. */
export const knownApiVersion: RequestHandler = (req, _res, next) => {
  const version: unknown = req.params.apiVersion;
  next(version === undefined || (typeof version === 'string' && DATE_VERSION.test(version)) ? undefined : 'route');
};
