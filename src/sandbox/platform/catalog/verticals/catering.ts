/** Northwind Catering (the seed page's example business): events, weddings, office lunches. */
import { agent, daysAfter, dollars, fill, isoDate, spokenDate, tool, user, type Vertical } from '../script.ts';

const GUEST_COUNTS = [12, 18, 25, 40, 50, 60, 80, 120, 150, 220, 300] as const;

export const catering: Vertical = {
  qualifyingCriterion: 'qualified_lead',
  b2b: false,
  intents: [
    {
      intent: 'catering_inquiry',
      label: 'Catering inquiry (vegan menu)',
      openers: ['Do you cater vegan?', 'Hi! Do you have vegan options for a party?', 'Can you do a fully plant-based menu for a birthday?'],
      reply: 'Yes — our grilled veggie platter and roasted cauliflower steaks are fully vegan, and most of our menus can be made plant-based.',
      tool: { name: 'search_site', args: { query: 'vegan catering' }, result: 'Yes — our grilled veggie platter is fully vegan...' },
    },
    {
      intent: 'wedding_catering',
      label: 'Wedding catering inquiry',
      openers: ["We're getting married next year and looking for a caterer 💍", 'Hi, do you cater weddings?', 'What wedding packages do you have?'],
      reply: 'Congratulations! We offer three wedding packages — Classic, Garden and Grand — each with staff, linens and a tasting for two.',
      tool: {
        name: 'search_site',
        args: { query: 'wedding packages' },
        result: 'Wedding packages: Classic ($38/guest), Garden ($52/guest), Grand ($75/guest). Tasting for two included.',
      },
    },
    {
      intent: 'corporate_lunch',
      label: 'Corporate lunch quote',
      openers: ['Need a quote for a corporate lunch for our office', 'do you deliver boxed lunches to offices?', 'We have an all-hands next month and need lunch for the team.'],
      reply: 'Absolutely — boxed lunches start at $16 per person and hot buffets at $22, delivered and set up.',
      tool: { name: 'search_site', args: { query: 'corporate lunch pricing' }, result: 'Boxed lunches from $16 pp; hot buffet from $22 pp; minimum 15 guests.' },
    },
    {
      intent: 'menu_question',
      label: 'Menu question',
      openers: ["What's on your fall menu?", 'Is the braised short rib gluten free?', 'Can I see your canapé list?'],
      reply: 'Our fall menu has braised short rib (gluten-free), wild mushroom risotto, harvest salads and a dozen canapés — the full list is on our Menus page.',
    },
  ],
  faqs: [
    { topic: 'gluten-free options', questions: ['Do you have gluten-free options?', 'My sister is celiac, is that ok?'], answer: 'Yes, about half our menu is gluten-free and we prepare it on separate surfaces.' },
    {
      topic: 'delivery area',
      questions: ['Do you deliver outside the city?', 'Can you deliver to Walnut Creek?'],
      answer: 'We deliver within 40 miles of Oakland at no charge; beyond that it is $2 per mile.',
      tool: { name: 'check_service_area', args: { city: 'Walnut Creek' }, result: { served: true, distance_miles: 21 } },
    },
    { topic: 'deposit', questions: ['How much is the deposit?', 'what do you need to hold a date?'], answer: 'A 25% deposit holds your date, refundable up to 30 days before the event.' },
    { topic: 'tasting', questions: ['Can we do a tasting first?', 'Is there a tasting?'], answer: 'Yes — tastings are free for events over 40 guests, otherwise $45 per person, credited to your order.' },
    { topic: 'staffing', questions: ['Do you provide servers and bartenders?', 'Do we need to hire our own staff?'], answer: 'One server per 20 guests is included in full-service packages; bartenders are $45 per hour.' },
    { topic: 'nut allergies', questions: ['Can you handle nut allergies?', 'One guest has a severe peanut allergy'], answer: 'We can prepare a nut-free menu, though our kitchen does handle tree nuts.' },
    { topic: 'halal/kosher', questions: ['Do you do halal or kosher?'], answer: "We offer halal-certified meats on request. We aren't kosher-certified, but we can recommend partners who are." },
    { topic: 'flowers', questions: ['Can you also do the flowers and decorations?'], answer: "That's not something I can answer for sure — I'll ask our events team to follow up.", answered: false },
  ],
  details: ({ rng, endedAt }) => {
    const date = daysAfter(endedAt, rng.int(10, 240));
    const guests = rng.pick(GUEST_COUNTS);
    const budget = Math.round((guests * rng.int(22, 90)) / 100) * 100;
    const budgetStyle = rng.weighted({ number: 70, text: 15, none: 15 });
    const available = rng.chance(0.85);
    const values = { date: spokenDate(date), guests };
    const lines = [
      agent('When is the event, and roughly how many guests are you expecting?'),
      user(fill(rng.pick(["It's on {date}, around {guests} people.", '{date}! We expect about {guests} guests', 'Probably {guests} guests, date is {date}']), values)),
      tool('check_availability', { date: isoDate(date), guests }, { available, teams_free: available ? rng.int(1, 3) : 0 }),
      agent(available
        ? fill('Good news — we have a team free on {date}. Do you have a budget in mind?', values)
        : fill("{date} is fully booked, but I can put you on the waitlist and note a backup date. Do you have a budget in mind?", values)),
      user(budgetStyle === 'none'
        ? "Not sure yet, what's typical?"
        : fill(rng.pick(['Around {budget}', "We'd like to stay under {budget}", '{budget} tops']), { budget: dollars(budget) })),
      agent(fill('For {guests} guests most clients spend $30–60 per person. Our Garden package would fit nicely.', values)),
    ];
    const fields = {
      event_date: isoDate(date),
      guest_count: guests,
      ...(budgetStyle === 'number' ? { budget } : budgetStyle === 'text' ? { budget: `around ${dollars(budget)}` } : {}),
    };
    const qualified = guests >= 30 && budgetStyle !== 'none';
    return {
      lines,
      fields,
      qualified,
      qualifiedReasoning: qualified
        ? `Event for ${guests} guests on ${isoDate(date)} with a stated budget.`
        : `Event of ${guests} guests${budgetStyle === 'none' ? ' and no budget given' : ''}: below the 30-guest, stated-budget bar.`,
    };
  },
  closings: ["Thanks so much, that's really helpful!", 'Perfect, talk soon', 'great thanks 🙏', 'Thank you!'],
  pastedDocument: {
    intro: "Here's the full run-sheet our planner sent, can you check it works for you?",
    heading: 'EVENT RUN-SHEET',
    lines: [
      'Guests arrive and are offered welcome drinks on the terrace; we need two servers at the door with trays.',
      'Canapés circulate: six pieces per guest over the first hour, at least two vegan and two gluten-free options.',
      'Speeches begin in the main hall; the kitchen should hold the starters until the second toast is finished.',
      'Starters served family-style at each table: burrata with heirloom tomatoes, and a grilled vegetable platter.',
      'Main course plated: braised short rib or wild mushroom risotto, guests have pre-selected on their RSVP cards.',
      'Dietary cards at every setting: nut allergy at table 4, celiac guests at tables 2 and 7, two halal meals at table 9.',
      'Dessert station opens after the first dance; the cake is supplied by the family and needs cutting and plating.',
      'Late-night snacks: sliders and fries for roughly half the guests, served from the side bar at 22:30.',
      'Bar closes at 23:30; staff break down the buffet and load out through the service entrance by midnight.',
      'Venue contact is on site from 14:00; the loading dock is available from 15:00 and must be clear by 00:30.',
    ],
  },
};
