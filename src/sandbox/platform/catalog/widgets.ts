/** The widgets the sandbox platform hosts: several businesses, one of them with two widgets. */
import type { Vertical } from './script.ts';
import { catering } from './verticals/catering.ts';
import { dental } from './verticals/dental.ts';
import { plumbing } from './verticals/plumbing.ts';
import { saas } from './verticals/saas.ts';

export interface Widget {
  readonly widgetId: string;
  readonly business: string;
  readonly agentName: string;
  readonly pageUrls: readonly string[];
  readonly vertical: Vertical;
  /** Relative traffic share. */
  readonly traffic: number;
}

export const WIDGETS: readonly Widget[] = [
  {
    widgetId: 'wgt_abc123',
    business: 'Northwind Catering',
    agentName: 'Sam',
    pageUrls: [
      'https://northwindcatering.example/catering',
      'https://northwindcatering.example/menus',
      'https://northwindcatering.example/?utm_source=google&utm_medium=cpc&utm_campaign=catering',
    ],
    vertical: catering,
    traffic: 3,
  },
  {
    widgetId: 'wgt_nw7wed',
    business: 'Northwind Catering',
    agentName: 'Sam',
    pageUrls: ['https://northwindcatering.example/weddings', 'https://northwindcatering.example/weddings/packages'],
    vertical: catering,
    traffic: 1,
  },
  {
    widgetId: 'wgt_bsd42k',
    business: 'Bright Smile Dental',
    agentName: 'Ava',
    pageUrls: ['https://brightsmiledental.example/', 'https://brightsmiledental.example/new-patients', 'https://brightsmiledental.example/emergency'],
    vertical: dental,
    traffic: 2,
  },
  {
    widgetId: 'wgt_ldg9x1',
    business: 'Ledgerly',
    agentName: 'Leo',
    pageUrls: ['https://ledgerly.example/pricing', 'https://ledgerly.example/integrations/quickbooks', 'https://ledgerly.example/'],
    vertical: saas,
    traffic: 2,
  },
  {
    widgetId: 'wgt_rrp5m3',
    business: 'Rapid Rooter Plumbing',
    agentName: 'Max',
    pageUrls: ['https://rapidrooter.example/', 'https://rapidrooter.example/emergency'],
    vertical: plumbing,
    traffic: 1,
  },
];

export function findWidget(widgetId: string): Widget | undefined {
  return WIDGETS.find((w) => w.widgetId === widgetId);
}
