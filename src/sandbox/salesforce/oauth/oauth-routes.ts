/**
 * The login-server endpoints: `POST /services/oauth2/token` (authorization code with PKCE, refresh
 * with rotation), `POST /services/oauth2/revoke`, and the identity URL `GET /id/{orgId}/{userId}`.
 * The sandbox is its own login server, so `loginUrl` and `instanceUrl` are the same address.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { OrgRegistry } from '../org/org-registry.ts';
import { OAuthError } from './oauth-error.ts';
import type { TokenVault } from './token-vault.ts';

function formParams(req: Request): Record<string, string | undefined> {
  const body: unknown = req.body;
  const params: Record<string, string | undefined> = {};
  if (typeof body === 'object' && body !== null) {
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string') params[key] = value;
  }
  return params;
}

function sendOAuthError(res: Response, error: unknown): void {
  if (error instanceof OAuthError) {
    res.status(error.status).json(error.body());
    return;
  }
  throw error;
}

export function oauthRoutes(vault: TokenVault, orgs: OrgRegistry, instanceUrl: () => string): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.post('/services/oauth2/token', form, (req, res) => {
    const params = formParams(req);
    res.set('Cache-Control', 'no-cache,must-revalidate,max-age=0,no-store,private');
    try {
      switch (params.grant_type) {
        case 'authorization_code':
          res.json(vault.exchangeCode(params));
          return;
        case 'refresh_token':
          res.json(vault.refresh(params));
          return;
        default:
          throw new OAuthError('unsupported_grant_type', 'grant type not supported');
      }
    } catch (error) {
      sendOAuthError(res, error);
    }
  });

  const revoke = (req: Request, res: Response): void => {
    const token = formParams(req).token ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    try {
      if (!token) throw new OAuthError('invalid_request', 'token is required');
      vault.revoke(token);
      res.status(200).end();
    } catch (error) {
      sendOAuthError(res, error);
    }
  };
  router.post('/services/oauth2/revoke', form, revoke);
  router.get('/services/oauth2/revoke', revoke);

  router.get('/id/:orgId/:userId', (req, res) => {
    const header = req.get('authorization')?.match(/^(?:Bearer|OAuth)\s+(\S+)/i)?.[1];
    const token = header ?? (typeof req.query.oauth_token === 'string' ? req.query.oauth_token : undefined);
    const session = token ? vault.authenticate(token) : undefined;
    if (!session) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const org = orgs.get(req.params.orgId);
    const u = org?.users.get(req.params.userId);
    if (!org || !u || session.orgId !== org.orgId) {
      res.status(403).type('text/plain').send('Bad_Id');
      return;
    }
    const base = instanceUrl();
    res.json({
      id: `${base}/id/${org.orgId}/${u.userId}`,
      asserted_user: true,
      user_id: u.userId,
      organization_id: org.orgId,
      username: u.username,
      nick_name: u.username.split('@')[0],
      display_name: `${u.firstName} ${u.lastName}`,
      email: u.email,
      email_verified: true,
      first_name: u.firstName,
      last_name: u.lastName,
      timezone: 'Etc/UTC',
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      urls: {
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        query: `${base}/services/data/v{version}/query/`,
        profile: `${base}/${u.userId}`,
        custom_domain: base,
      },
      is_app_installed: true,
    });
  });

  return router;
}
