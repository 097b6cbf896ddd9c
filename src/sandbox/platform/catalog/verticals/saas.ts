/** Ledgerly, a B2B invoicing SaaS: demos, pricing, integrations; qualifies by team size. */
import { agent, dollars, fill, user, type Vertical } from '../script.ts';

const TEAM_SIZES = [2, 3, 5, 8, 12, 25, 40, 120, 450] as const;

export const saas: Vertical = {
  qualifyingCriterion: 'qualified_lead',
  b2b: true,
  intents: [
    {
      intent: 'demo_request',
      label: 'Demo request',
      openers: ['Can I get a demo?', "I'd like to see Ledgerly in action for our finance team", 'Book a demo pls'],
      reply: 'Happy to set that up! Demos are 30 minutes with a product specialist.',
    },
    {
      intent: 'pricing_question',
      label: 'Pricing question',
      openers: ['How much does Ledgerly cost?', "What's the price per user?", 'is there a nonprofit discount'],
      reply: 'Plans start at $29 per user per month (Starter), $59 for Growth and custom pricing for Enterprise; annual billing saves 20%.',
      tool: { name: 'lookup_pricing', args: { plan: 'all' }, result: { starter: 29, growth: 59, enterprise: 'custom', currency: 'USD', annual_discount: 0.2 } },
    },
    {
      intent: 'integration_question',
      label: 'Integration question',
      openers: ['Does it integrate with QuickBooks Online?', 'Can you sync with Xero and Stripe?', 'Do you have an API?'],
      reply: 'Yes — two-way sync with QuickBooks Online and Xero, payments through Stripe, and a REST API with webhooks.',
      tool: { name: 'search_docs', args: { query: 'quickbooks integration' }, result: 'QuickBooks Online: two-way sync of customers, invoices and payments every 15 minutes.' },
    },
    {
      intent: 'support_request',
      label: 'Support request',
      openers: ["I can't log in to my account", 'Our invoices stopped syncing since yesterday'],
      reply: "Sorry about that! I can't access accounts from here, but I can open a ticket for our support team right away.",
      tool: { name: 'create_ticket', args: { category: 'account' }, result: { ticket_id: 'TCK-48213', status: 'open' } },
    },
  ],
  faqs: [
    { topic: 'SSO', questions: ['Do you support SSO?', 'Can we log in with Okta?'], answer: 'SAML SSO with Okta, Azure AD and Google Workspace is included in Enterprise.' },
    { topic: 'free trial', questions: ['Is there a free trial?'], answer: 'Yes, 14 days, no credit card needed.' },
    { topic: 'data export', questions: ['Can we export our data if we leave?'], answer: 'Anytime — CSV and Excel exports, plus the API.' },
    { topic: 'data residency', questions: ['Where is the data hosted?', 'Do you have EU hosting?'], answer: 'In AWS us-east-1 by default, with an EU region in Frankfurt for EU customers.' },
    { topic: 'SOC 2', questions: ['Are you SOC 2 compliant?'], answer: 'Yes, SOC 2 Type II; we can share the report under NDA.' },
    {
      topic: 'multi-currency',
      questions: ['Does it handle multi-currency invoices?'],
      answer: 'Yes — 135 currencies with daily exchange rates.',
      tool: { name: 'search_docs', args: { query: 'multi-currency invoices' }, result: '135 currencies supported; rates updated daily from ECB.' },
    },
    { topic: 'ASC 606', questions: ['Can it do revenue recognition under ASC 606?'], answer: "I don't have a reliable answer on ASC 606 — I'll have a solutions engineer follow up.", answered: false },
  ],
  details: ({ rng, company }) => {
    const team = company ? rng.pick(TEAM_SIZES) : 1;
    const budget = team * rng.pick([300, 500, 700]);
    const statesBudget = rng.chance(0.6);
    const values = { company: company?.name ?? '', team };
    const lines = [
      agent('To point you to the right plan — how many people would use Ledgerly, and which company is it for?'),
      user(company
        ? fill(rng.pick(["We're {company}, about {team} people in finance", '{team} users, company is {company}']), values)
        : "Just me, I'm a freelancer"),
      agent('Thanks! Do you have a budget range for this year?'),
      user(statesBudget ? fill(rng.pick(['Around {budget} a year', 'Up to {budget} annually']), { budget: dollars(budget) }) : 'Not decided yet'),
      agent(team >= 10 ? 'Growth or Enterprise would suit a team that size.' : 'Starter should cover you nicely.'),
    ];
    const qualified = company !== null && team >= 10;
    return {
      lines,
      fields: { ...(company ? { company: company.name } : {}), team_size: team, ...(statesBudget ? { budget } : {}) },
      qualified,
      qualifiedReasoning: qualified
        ? `${company.name} has ${team} prospective users, above the 10-seat threshold.`
        : `${team} prospective user${team === 1 ? '' : 's'}: below the 10-seat threshold.`,
    };
  },
  closings: ['Thanks!', 'Great, appreciate it', 'ok thx', 'Thank you, looking forward to the demo'],
  pastedDocument: {
    intro: 'Pasting the requirements section of our RFP — can you go through it?',
    heading: 'RFP — ACCOUNTS RECEIVABLE PLATFORM REQUIREMENTS',
    lines: [
      'The solution must support automated invoice generation from recurring contracts with proration on mid-cycle changes.',
      'The solution must synchronise customers, invoices and payments bi-directionally with QuickBooks Online and NetSuite.',
      'Role-based access control with at least five custom roles and an immutable audit log of every change is required.',
      'Single sign-on via SAML 2.0 and SCIM user provisioning from Okta and Azure AD are mandatory for go-live.',
      'Multi-currency invoicing with per-customer currency, daily exchange rates and realised gain/loss reporting.',
      'Dunning workflows with configurable reminder schedules, templates per language and automatic late fees.',
      'Customer portal where clients can view invoices, download PDFs, and pay by card, ACH or SEPA direct debit.',
      'Data residency in the European Union for EU subsidiaries, with documented sub-processors and a signed DPA.',
      'REST API with webhooks for invoice and payment events; rate limits and sandbox environment documented.',
      'Vendor must provide a SOC 2 Type II report, penetration test summary and a 99.9% uptime SLA with service credits.',
    ],
  },
};
