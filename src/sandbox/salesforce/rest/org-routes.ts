/** The version root (the list of resources) and `GET /limits`. */
import { json, type RestRoute } from './rest-types.ts';

export const orgRoutes: RestRoute[] = [
  {
    pattern: /^\/?$/,
    methods: {
      GET: (ctx) => {
        const base = `/services/data/v${ctx.version}`;
        const resources = ['sobjects', 'query', 'composite', 'limits'];
        return json(200, {
          ...Object.fromEntries(resources.map((r) => [r, `${base}/${r}`])),
          identity: `${ctx.instanceUrl}/id/${ctx.org.orgId}/${ctx.org.user.userId}`,
        });
      },
    },
  },
  {
    pattern: /^\/limits\/?$/,
    methods: {
      GET: (ctx) => {
        const usage = ctx.org.usage;
        return json(200, {
          DailyApiRequests: { Max: usage.limit, Remaining: usage.remaining() },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
          DataStorageMB: { Max: 5, Remaining: 5 },
          FileStorageMB: { Max: 20, Remaining: 20 },
        });
      },
    },
  },
];
