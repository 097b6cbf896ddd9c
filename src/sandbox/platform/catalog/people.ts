/**
 * Who visits the widgets: names (including the unicode and single-word names that break naive
 * CRM mappings), the email local parts they use, companies, phones, geography and browsers.
 * Domains are reserved example domains so nothing generated can reach a real mailbox.
 */

export interface PersonName {
  /** As the visitor types it. */
  readonly name: string;
  /** ASCII local part of the address they use, e.g. `jose.nunez`. */
  readonly emailLocal: string;
}

export const PERSON_NAMES: readonly PersonName[] = [
  { name: 'José Ñúñez', emailLocal: 'jose.nunez' },
  { name: '王小明', emailLocal: 'xiaoming.wang' },
  { name: 'Zoë Ødegård', emailLocal: 'zoe.odegard' },
  { name: 'Madonna', emailLocal: 'madonna' },
  { name: 'Cher', emailLocal: 'cher.official' },
  { name: 'Emily Carter', emailLocal: 'emily.carter' },
  { name: 'Michael Chen', emailLocal: 'mchen' },
  { name: 'Priya Raman', emailLocal: 'priya.raman' },
  { name: "Liam O'Brien", emailLocal: 'liam.obrien' },
  { name: 'Fatima Al-Sayed', emailLocal: 'fatima.alsayed' },
  { name: 'Anna-Lena Müller', emailLocal: 'annalena.mueller' },
  { name: 'Nguyễn Văn An', emailLocal: 'an.nguyen' },
  { name: 'Olusegun Adebayo', emailLocal: 'olu.adebayo' },
  { name: 'Sarah Johnson', emailLocal: 'sarahj' },
  { name: 'David Kim', emailLocal: 'david.kim' },
  { name: 'Chloé Dubois', emailLocal: 'chloe.dubois' },
  { name: 'Björn Lindqvist', emailLocal: 'bjorn.lindqvist' },
  { name: 'María José García López', emailLocal: 'mariajose.garcia' },
  { name: 'Ayşe Yılmaz', emailLocal: 'ayse.yilmaz' },
  { name: 'Krzysztof Wójcik', emailLocal: 'k.wojcik' },
  { name: '田中 宏', emailLocal: 'hiroshi.tanaka' },
  { name: 'Siobhán Ní Bhriain', emailLocal: 'siobhan.nibhriain' },
  { name: 'Ólafur Elíasson', emailLocal: 'olafur.eliasson' },
  { name: 'Tom Becker', emailLocal: 'tom.becker' },
  { name: 'Grace Okafor', emailLocal: 'grace.okafor' },
  { name: 'Rahul Mehta', emailLocal: 'rahul.mehta' },
  { name: 'Jessica Alvarez', emailLocal: 'jess.alvarez' },
  { name: 'Noah Williams', emailLocal: 'noah.w' },
  { name: 'Léa Martin', emailLocal: 'lea.martin' },
  { name: 'Hannah Schmidt', emailLocal: 'hannah.schmidt' },
];

export const PERSONAL_EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example'] as const;

export interface Company {
  readonly name: string;
  /** Work email domain. */
  readonly domain: string;
}

export const COMPANIES: readonly Company[] = [
  { name: 'Acme Logistics', domain: 'acmelogistics.example' },
  { name: 'Blue Fjord AS', domain: 'bluefjord.example' },
  { name: 'Müller & Söhne GmbH', domain: 'mueller-soehne.example' },
  { name: 'Café Olé S.L.', domain: 'cafeole.example' },
  { name: '上海明达贸易有限公司', domain: 'mingda-trade.example' },
  { name: 'Greenleaf Architects', domain: 'greenleaf.example' },
  { name: 'Pioneer Health Partners', domain: 'pioneerhealth.example' },
  { name: 'Orbit Analytics', domain: 'orbitanalytics.example' },
  { name: 'Riverside Dental Group', domain: 'riversidedental.example' },
  { name: 'Summit Events LLC', domain: 'summitevents.example' },
];

/** Fictional numbers (555 ranges and Ofcom's drama ranges), in the formats visitors actually type. */
export const PHONE_NUMBERS = [
  '+1 415 555 0134', '(415) 555-0187', '415-555-0102', '+1 (212) 555-0199', '+44 20 7946 0958',
  '+34 612 345 678', '+47 412 34 567', '+49 30 901820', '+86 138 0013 8000', '+1 646 555 0163',
  '555 0148', '+1-312-555-0111',
] as const;

export interface Geo {
  readonly ip_country: string;
  readonly ip_region: string | null;
}

export const GEOS: readonly Geo[] = [
  { ip_country: 'US', ip_region: 'CA' }, { ip_country: 'US', ip_region: 'CA' }, { ip_country: 'US', ip_region: 'NY' },
  { ip_country: 'US', ip_region: 'TX' }, { ip_country: 'US', ip_region: 'WA' }, { ip_country: 'US', ip_region: 'IL' },
  { ip_country: 'CA', ip_region: 'ON' }, { ip_country: 'GB', ip_region: 'ENG' }, { ip_country: 'DE', ip_region: 'BE' },
  { ip_country: 'ES', ip_region: 'MD' }, { ip_country: 'NO', ip_region: '03' }, { ip_country: 'CN', ip_region: 'SH' },
  { ip_country: 'IN', ip_region: 'KA' }, { ip_country: 'BR', ip_region: null }, { ip_country: 'NG', ip_region: null },
];

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:138.0) Gecko/20100101 Firefox/138.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36 Edg/136.0.0.0',
] as const;
