/** HubSpot's batch envelope: COMPLETE with results, or a 207 multi-status carrying errors too. */
import type { Response } from 'express';
import type { ErrorBody } from './hubspot-errors.ts';

export function sendBatch(res: Response, outcome: { results: unknown[]; errors?: ErrorBody[] }, startedAt: string, successStatus: 200 | 201): void {
  const body = { status: 'COMPLETE', results: outcome.results, startedAt, completedAt: new Date().toISOString() };
  const errors = outcome.errors ?? [];
  if (errors.length === 0) {
    res.status(successStatus).json(body);
    return;
  }
  res.status(207).json({ ...body, numErrors: errors.length, errors });
}
