/**
 * `GET /account-info/v3/details`: which account a token belongs to. Clients holding only a
 * private-app token (single-tenant installs) learn their portal id here, as on HubSpot.
 */
import { Router } from 'express';
import { portalOf } from '../api-pipeline.ts';

export function accountInfoRoutes(): Router {
  const router = Router();
  router.get('/account-info/v3/details', (_req, res) => {
    res.json({
      portalId: portalOf(res).portalId,
      accountType: 'STANDARD',
      timeZone: 'UTC',
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: '+00:00',
      utcOffsetMilliseconds: 0,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
  });
  return router;
}
