// A labeled corpus of support tickets and clinical notes for the scrub
// transform: seeded, each note made of templates whose slots are filled with
// personal data (the span of each recorded as it is inserted) and with
// look-alikes that are none (ISBNs, order numbers, versions, prices, times,
// visit dates, product and place names). People's names come from the lists
// below, real names of many countries, with every name that faker's lists
// hold taken out (test/scrub.test.ts checks it): the recognizer cannot
// simply look them up. Each row has its own name, email, phone and id, which
// its notes mention in part ("Ms. Oyelaran"), in other case or grouping.

import seedrandom from 'seedrandom';

export type GoldKind = 'email' | 'phone' | 'ssn' | 'credit_card' | 'iban' | 'ip' | 'url' | 'date' | 'address' | 'person' | 'id';

export interface GoldSpan {
  readonly kind: GoldKind;
  readonly start: number;
  readonly end: number;
  /** One of the row's own values (or a part of one). */
  readonly own: boolean;
}

export interface CorpusRow {
  readonly id: string;
  readonly fullName: string;
  readonly email: string;
  readonly phone: string;
  readonly note: string;
  readonly gold: readonly GoldSpan[];
}

export const GIVEN = (
  'Kwame Aditi Oluwaseun Thandiwe Siobhan Niamh Saoirse Tadhg Eilidh Ruairi Bronwen Emrys Ngozi Chinonso Adaeze Tendai Nkechi Folasade Yaw Kofi ' +
  'Akosua Abena Wanjiru Njeri Kipchoge Otieno Makena Anaya Ishaan Vihaan Saanvi Aarav Kavya Priyanka Meenakshi Lakshmi Deepika Farrukh Dilnoza ' +
  'Bakhyt Aigerim Nurlan Zhanna Gulnara Rustam Dinara Yerlan Hiroshi Haruki Sakura Takeshi Kenta Xiu Jian Zhiwei Huong Thanh Quang Tupac Xochitl ' +
  'Itzel Citlali Nahuel Ayelen Ximena Anahi Teodora Bogdan Radoslaw Wojciech Grzegorz Agnieszka Zsofia Bence Levente Eszter Tamar Yael Avraham ' +
  'Leilani Kalani Keanu Moana Tane Aroha Wiremu Mere Rangi Oyelaran Chiamaka Ifeoma Emeka Obinna Ayodele Babajide Olufemi Temitope Yetunde ' +
  'Sipho Lwazi Nomvula Zanele Bongani Mpho Tshepo Lerato Palesa Kagiso Siddharth Anirudh Raghav Nandini Shreya Tanvi Ritika Harpreet Gurpreet ' +
  'Manpreet Jaswinder Parminder Sukhwinder Mohinder Baljit Kulwinder Hamza Bilal Zainab Ayesha Fatima Khadija Yusuf Idris Tariq Faisal Nasrin'
).split(' ');
export const SURNAMES = (
  'Mensah Okonkwo Adeyemi Oyelaran Chukwu Nwosu Mwangi Kamau Achieng Boateng Asante Owusu Dlamini Ndlovu Nkosi Banerjee Chatterjee Raghunathan ' +
  'Venkatesan Subramanian Krishnamurthy Nakamura Takahashi Watanabe Yamamoto Kobayashi Okafor Abubakar Baptiste Tremblay Gagnon Bouchard ' +
  'Kowalczyk Wisniewski Lewandowski Szymanski Horvath Farkas Papadakis Georgiou Constantinou Haddad Khoury Nasser Rahman Hossain Chowdhury ' +
  'Siddiqui Qureshi Mahmoud Petrov Sokolov Kuznetsov Fitzgerald McCarthy Gallagher MacLeod Quispe Mamani Huanca Ngata Parata Tuhiwai Kealoha ' +
  'Kahananui Oyelaran-Whitby Adebayo Olawale Ogunleye Eze Obi Nnamdi Uzoma Mbeki Zulu Mokoena Khumalo Naidoo Pillay Govender Moodley ' +
  'Ramaswamy Iyengar Bhattacharya Mukherjee Dasgupta Sengupta Ahluwalia Sandhu Grewal Dhillon Gill Sidhu Bajwa Cheema Randhawa Tiwana Virk ' +
  'Takemura Morimoto Hashimoto Fujiwara Inoue Matsumoto Ishikawa Okonjo Iweala Soyinka Achebe Adichie Emecheta Oyelowo Ejiofor Okoye Nwachukwu'
).split(' ');

const STREETS = 'Maple Oak Baker Elm Cedar Willow Highland Church Mill Station Victoria Birch Chestnut Hawthorn Juniper Magnolia Sycamore Laurel Aspen Rowan'.split(' ');
const US_SUFFIX = ['Street', 'St', 'Avenue', 'Ave', 'Road', 'Rd', 'Boulevard', 'Blvd', 'Lane', 'Drive', 'Dr', 'Court', 'Way', 'Place', 'Terrace'];
const UK_SUFFIX = ['Road', 'Lane', 'Close', 'Gardens', 'Crescent', 'Street', 'Grove', 'Mews', 'Walk', 'Row'];
const US_TOWNS = [['Springfield', 'IL'], ['Portland', 'OR'], ['Austin', 'TX'], ['Madison', 'WI'], ['Burlington', 'VT'], ['Boise', 'ID'], ['Tucson', 'AZ']] as const;
const UK_TOWNS = [['London', 'NW1 6XE'], ['Leeds', 'LS1 4AP'], ['Bristol', 'BS8 1TH'], ['Cardiff', 'CF10 3AT'], ['York', 'YO1 7HH'], ['Bath', 'BA1 1LZ']] as const;
const DOMAINS = ['example.com', 'mail.example.org', 'example.net', 'clinic.example', 'post.example.co.uk'];
const PRODUCTS = ['Galaxy Tab', 'Premium Plan', 'Google Chrome', 'Windows Update', 'Amazon Prime', 'Smart Hub', 'Pro Max', 'Family Plan', 'Blue Cross', 'Apple Watch'];
const PLACES = ['New York', 'San Francisco', 'Los Angeles', 'Hong Kong', 'Cape Town', 'Buenos Aires', 'Rio de Janeiro', 'Kuala Lumpur'];

/** Builds one note from pieces, recording where each labeled value lands. */
class Note {
  text = '';
  readonly gold: GoldSpan[] = [];
  add(piece: string): this {
    this.text += piece;
    return this;
  }
  pii(kind: GoldKind, value: string, own = false): this {
    this.gold.push({ kind, start: this.text.length, end: this.text.length + value.length, own });
    this.text += value;
    return this;
  }
}

/**
 * `heldOut`: the templates written after the recognizers were tuned on the
 * others, and never tuned on: their figures are the forecast for a corpus
 * veil has not seen.
 */
export function corpus(rows: number, seed: string, notInDictionary: (word: string) => boolean = () => true, heldOut = false): CorpusRow[] {
  const rnd = seedrandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const given = GIVEN.filter(notInDictionary);
  const surnames = SURNAMES.filter((s) => s.split('-').every(notInDictionary));
  const title = () => pick(['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Mr', 'Ms', 'Dr']);

  const nanp = () => `${int(2, 9)}${pad(int(0, 99), 2)}`;
  const phones: (() => string)[] = [
    () => `(${nanp()}) ${nanp()}-${pad(int(0, 9999), 4)}`,
    () => `${nanp()}-${nanp()}-${pad(int(0, 9999), 4)}`,
    () => `${nanp()}.${nanp()}.${pad(int(0, 9999), 4)}`,
    () => `+1 ${nanp()} ${nanp()} ${pad(int(0, 9999), 4)}`,
    () => `${nanp()}${nanp()}${pad(int(0, 9999), 4)}`,
    () => `+44 20 ${int(7000, 8999)} ${pad(int(0, 9999), 4)}`,
    () => `020 ${int(7000, 8999)} ${pad(int(0, 9999), 4)}`,
    () => `07${int(100, 999)} ${pad(int(0, 999999), 6)}`,
    () => `+49 30 ${pad(int(0, 99999999), 8)}`,
    () => `+33 1 ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)}`,
    () => `06 ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)} ${pad(int(0, 99), 2)}`,
    () => `+91 ${int(70000, 99999)} ${pad(int(0, 99999), 5)}`,
    () => `+61 2 ${int(8000, 9999)} ${pad(int(0, 9999), 4)}`,
    () => `+4915${pad(int(0, 999999999), 9)}`,
  ];
  const ssn = () => `${pad(int(1, 665), 3)}-${pad(int(1, 99), 2)}-${pad(int(1, 9999), 4)}`;
  const card = () => {
    const prefix = pick(['4', '51', '52', '55', '37', '6011']);
    const length = prefix === '37' ? 15 : 16;
    let digits = prefix;
    while (digits.length < length - 1) digits += String(int(0, 9));
    for (let d = 0; d <= 9; d++) {
      const all = digits + d;
      let sum = 0;
      for (let i = 0; i < all.length; i++) {
        let x = Number(all[all.length - 1 - i]);
        if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
        sum += x;
      }
      if (sum % 10 === 0) {
        digits = all;
        break;
      }
    }
    return pick([digits, digits.replace(/(\d{4})(?=\d)/g, '$1 '), digits.replace(/(\d{4})(?=\d)/g, '$1-')]);
  };
  const iban = () => {
    const [country, length] = pick([['DE', 22], ['GB', 22], ['FR', 27], ['NL', 18]] as const);
    let bban = country === 'GB' || country === 'NL' ? pick(['WEST', 'ABNA', 'NWBK', 'RABO']) : '';
    while (bban.length < length - 4) bban += String(int(0, 9));
    const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    let rest = 0;
    for (const d of numeric) rest = (rest * 10 + Number(d)) % 97;
    const code = `${country}${pad(98 - rest, 2)}${bban}`;
    const grouped = pick([code, code.replace(/(.{4})(?=.)/g, '$1 ')]);
    return pick([grouped, grouped.toLowerCase(), grouped]);
  };
  const ip = () => (rnd() < 0.7 ? `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}` : `2001:db8:${int(1, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}`);
  const url = () => pick([`https://portal.${pick(DOMAINS)}/tickets/${int(1000, 99999)}?ref=mail`, `http://www.${pick(DOMAINS)}/account/${int(10, 999)}`, `www.${pick(DOMAINS)}/help`]);
  const month = () => pick(['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']);
  const date = () => {
    const y = int(1935, 2004);
    const m = int(1, 12);
    const d = int(1, 28);
    return pick([`${y}-${pad(m, 2)}-${pad(d, 2)}`, `${pad(m, 2)}/${pad(d, 2)}/${y}`, `${d}.${m}.${y}`, `${month()} ${d}, ${y}`, `${d} ${month()} ${y}`]);
  };
  const address = () => {
    if (rnd() < 0.6) {
      const [town, state] = pick(US_TOWNS);
      const street = `${int(1, 9999)} ${rnd() < 0.2 ? `${pick(['N', 'S', 'E', 'W'])} ` : ''}${pick(STREETS)} ${pick(US_SUFFIX)}`;
      return pick([street, `${street}, Apt ${int(1, 40)}${pick(['A', 'B', ''])}`, `${street}, ${town}, ${state} ${pad(int(1000, 99999), 5)}`]);
    }
    const [town, postcode] = pick(UK_TOWNS);
    const street = `${int(1, 250)} ${pick(STREETS)} ${pick(UK_SUFFIX)}`;
    return pick([street, `${street}, ${town} ${postcode}`, `Flat ${int(1, 12)}, ${street}, ${town}`]);
  };
  const personName = () => `${pick(given)} ${pick(surnames)}`;

  const out: CorpusRow[] = [];
  for (let r = 0; r < rows; r++) {
    const first = pick(given);
    const last = pick(surnames);
    const fullName = `${first} ${last}`;
    const email = `${first.toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}${rnd() < 0.3 ? int(1, 99) : ''}@${pick(DOMAINS)}`;
    const phoneShape = pick(phones.slice(0, 4));
    const phone = phoneShape();
    const id = `P-${int(10000, 99999)}`;
    const n = new Note();
    const templates: ((n: Note) => void)[] = [
      // The row's own values, in part, in other case or grouping.
      (n) => n.add(`${title()} `).pii('person', last, true).add(` called about the refund. `),
      (n) => n.add('Hi ').pii('person', first, true).add(', thanks for reaching out. '),
      (n) => n.add('Patient ').pii('person', fullName, true).add(` (`).pii('id', id, true).add(') seen today. '),
      (n) => n.add('Reply to ').pii('email', rnd() < 0.5 ? email.toUpperCase() : email, true).add(' please. '),
      (n) => n.add('Callback number ').pii('phone', phone.replace(/\D/g, '').replace(/^(\d{3})(\d{3})(\d{4})$/, '($1) $2 $3'), true).add('. '),
      (n) => n.add(`Account ${pick(['holder', 'owner'])} `).pii('person', first, true).add(' asked for a new card. '),
      // Other people, by title, context or by themselves.
      (n) => n.add('Spoke with ').pii('person', personName()).add(' from billing. '),
      (n) => n.add(`Referred by ${pick(['Dr.', 'Dr', 'Prof.'])} `).pii('person', pick(surnames)).add('. '),
      (n) => n.add('Escalated to ').pii('person', personName()).add(' who will follow up. '),
      (n) => n.pii('person', personName()).add(` ${pick(['said', 'called', 'reported', 'asked'])} the ${pick(PRODUCTS)} stopped working. `),
      (n) => n.add('Emergency contact: ').pii('person', personName()).add(', ').pii('phone', pick(phones)()).add('. '),
      (n) => n.add('Regards, ').pii('person', personName()).add('\n'),
      (n) => n.add(`My name is `).pii('person', personName()).add(` and I live in ${pick(PLACES)}. `),
      // Harder: no context word, a sentence's start, lower case, one word alone.
      (n) => n.add('Forwarded the scan to ').pii('person', personName()).add(' yesterday. '),
      (n) => n.pii('person', personName()).add(` is unhappy with the delay. `),
      (n) => n.add(`Per ${pick(['the', 'our'])} notes, `).pii('person', personName()).add(' missed two doses. '),
      (n) => n.add('chat: hi this is ').pii('person', `${pick(given).toLowerCase()} ${pick(surnames).toLowerCase()}`).add(' again. '),
      (n) => n.pii('person', pick(surnames)).add(' will call back tomorrow. '),
      (n) => n.add('Visited with ').pii('person', pick(given)).add(' and her son. '),
      // Look-alike names: capitalized words that are no people.
      (n) => n.add(`Spoke with ${pick(['Customer Care', 'Tier Two Support', 'the Billing Team', 'Blue Cross', 'Mountain View Branch'])} twice. `),
      (n) => n.add(`Regards, ${pick(['The Billing Team', 'Patient Services', 'Front Desk'])}\n`),
      (n) => n.add(`Transferred to ${pick(['Santa Clara', 'Silver Spring', 'Palo Alto', 'Grand Rapids'])} office. `),
      (n) => n.add(`${pick(['Hi Team', 'Dear Support', 'Hello Billing'])}, the ${pick(PRODUCTS)} is back. `),
      // Pattern kinds.
      (n) => n.add('Contact ').pii('email', `${pick(given).toLowerCase()}+${pick(['billing', 'news'])}@${pick(DOMAINS)}`).add(' for copies. '),
      (n) => n.add(pick(['Call me on ', 'Phone: ', 'Mobile ', 'Reach me at '])).pii('phone', pick(phones)()).add(' after 5. '),
      (n) => n.add('Call ').pii('phone', `0${int(6, 7)}${pad(int(0, 99999999), 8)}`).add(' any time. '),
      (n) => n.add(pick(['SSN ', 'Social security number: ', 'ssn: '])).pii('ssn', rnd() < 0.7 ? ssn() : ssn().replace(/-/g, '')).add(' on file. '),
      (n) => n.add('Paid with card ').pii('credit_card', card()).add(', declined twice. '),
      (n) => n.add('Refund to IBAN ').pii('iban', iban()).add(' requested. '),
      (n) => n.add('Login attempts from ').pii('ip', ip()).add(' blocked. '),
      (n) => n.add('See ').pii('url', url()).add(' for the form. '),
      (n) => n.add(pick(['DOB ', 'Date of birth: ', 'Born ', 'born on ', 'Birthday: ', 'D.O.B. '])).pii('date', date()).add('. '),
      (n) => n.add('Patient (DOB ').pii('date', `${int(1, 12)}/${int(1, 28)}/${pad(int(40, 99), 2)}`).add(') arrived late. '),
      (n) => n.add('Ships to ').pii('address', address()).add('. '),
      (n) => n.add('Moved to ').pii('address', address()).add(' last month. '),
      (n) => n.add('Mail goes to ').pii('address', `PO Box ${int(10, 9999)}, ${pick(US_TOWNS)[0]}`).add('. '),
      (n) => n.add('Lives at ').pii('address', `${int(1, 300)} ${pick(STREETS).toLowerCase()} ${pick(['street', 'road', 'lane'])}`).add(' now. '),
      // Look-alikes, none of them personal data.
      (n) => n.add(`Order #${int(100000, 999999)} and invoice INV-${int(2019, 2025)}-${pad(int(1, 9999), 4)} are open. `),
      (n) => n.add(`Book ISBN 978-0-${int(100, 999)}-${int(10000, 99999)}-${int(0, 9)} ordered. `),
      (n) => n.add(`Upgraded to version ${int(1, 12)}.${int(0, 20)}.${int(0, 99)} on build ${int(2020, 2025)}.${pad(int(1, 12), 2)}.${pad(int(1, 28), 2)}.${int(1000, 9999)}. `),
      (n) => n.add(`Charged $${int(1, 9)},${pad(int(0, 999), 3)}.${pad(int(0, 99), 2)} and €${int(10, 999)}.${pad(int(0, 99), 2)}. `),
      (n) => n.add(`Appointment at ${int(1, 12)}:${pad(int(0, 59), 2)} ${pick(['AM', 'PM'])}, seen on ${int(2020, 2025)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}. `),
      (n) => n.add(`The ${pick(PRODUCTS)} app crashes in ${pick(PLACES)} on ${pick(['Monday', 'Friday'])}. `),
      (n) => n.add(`Tracking number 1Z${int(100000, 999999)}${int(1000000, 9999999)}, ${int(2, 12)} items, ${int(10, 99)}% off. `),
    ];
    const held: ((n: Note) => void)[] = [
      (n) => n.add('Name: ').pii('person', `${first} ${last.toUpperCase()}`, true).add('\n'),
      (n) => n.add('spoke to mrs ').pii('person', last.toLowerCase(), true).add(' this morning. '),
      (n) => n.pii('person', first, true).add("'s daughter called to confirm. "),
      (n) => n.add('email on file ').pii('email', email, true).add(', ').add('tel. ').pii('phone', phone.replace(/\D/g, '').slice(-10).replace(/^(\d{3})(\d{3})(\d{4})$/, '$1.$2.$3'), true).add('. '),
      (n) => n.add('ref ').pii('id', id.toLowerCase(), true).add(' updated. '),
      (n) => n.add("Caller: It's ").pii('person', personName()).add(' here, calling about my bill. '),
      (n) => n.add('cc: ').pii('person', personName()).add(', ').pii('person', personName()).add('\n'),
      (n) => n.add(`Seen by ${pick(['Dr.', 'Dr', 'Nurse'])} `).pii('person', personName()).add(' (cardiology). '),
      (n) => n.pii('person', personName()).add(`, ${int(20, 90)}, presented with chest pain. `),
      (n) => n.add('Witness: ').pii('person', personName()).add('. '),
      (n) => n.add('Next of kin - ').pii('person', personName()).add(' (wife). '),
      (n) => n.add('Thanks so much ').pii('person', pick(given)).add('! '),
      (n) => n.add('From: ').pii('person', personName()).add(' <').pii('email', `${pick(given).toLowerCase()}@${pick(DOMAINS)}`).add('>\n'),
      (n) => n.add('Fax ').pii('phone', `+1 (${nanp()}) ${nanp()}-${pad(int(0, 9999), 4)}`).add('. '),
      (n) => n.add('whatsapp ').pii('phone', `+44 7${pad(int(0, 999999999), 9)}`).add(' '),
      (n) => n.add('tel:').pii('phone', `+336${pad(int(0, 99999999), 8)}`).add(' '),
      (n) => n.add('call ').pii('phone', `020${int(7000, 8999)}${pad(int(0, 9999), 4)}`).add(' today. '),
      (n) => n.add(`Card ending ${pad(int(0, 9999), 4)} was charged. `),
      (n) => n.add('Card: ').pii('credit_card', card()).add(` exp ${pad(int(1, 12), 2)}/${int(26, 31)}. `),
      (n) => n.add('IBAN: ').pii('iban', iban()).add('\n'),
      (n) => n.add('server ').pii('ip', `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`).add(' and ').pii('ip', `2001:0db8:85a3:0000:0000:8a2e:${pad(int(0, 9999), 4)}:7334`).add('. '),
      (n) => n.add('link: ').pii('url', `https://${pick(DOMAINS)}/r/${int(1000, 9999)}#top`).add('\n'),
      (n) => n.add('D.O.B: ').pii('date', `${pad(int(1, 28), 2)}-${pad(int(1, 12), 2)}-${int(1940, 2005)}`).add('. '),
      (n) => n.add('date of birth ').pii('date', `${pick(['3rd', '21st', '12th', '2nd'])} ${month()} ${int(1940, 2005)}`).add('. '),
      (n) => n.add('Address: ').pii('address', `${int(100, 9999)} ${pick(STREETS)} Pkwy, ${pick(US_TOWNS)[0]}, ${pick(US_TOWNS)[1]} ${pad(int(1000, 99999), 5)}`).add('. '),
      (n) => n.add('New address ').pii('address', `Flat ${int(1, 9)}B, ${int(1, 99)} ${pick(STREETS)} ${pick(UK_SUFFIX)}, ${pick(UK_TOWNS)[0]} ${pick(UK_TOWNS)[1]}`).add('. '),
      (n) => n.add('deliver to ').pii('address', `apt ${int(1, 9)}, ${int(1, 99)} ${pick(STREETS).toLowerCase()} st`).add(' please. '),
      (n) => n.add(`Order ${int(2020, 2025)}${pad(int(1, 12), 2)}${pad(int(1, 28), 2)}-${pad(int(0, 9999), 4)}, case #${int(10000, 99999)}, ref A${int(1, 9)}B${int(1, 9)}C${int(1, 9)}. `),
      (n) => n.add(`Running v${int(1, 9)}.${int(0, 9)}.${int(0, 9)}-beta, section ${int(1, 9)}.${int(1, 9)}.${int(1, 9)}, room ${int(100, 499)}. `),
      (n) => n.add(`Paid £${int(1, 99)}.${pad(int(0, 99), 2)} at ${int(10, 23)}:${pad(int(0, 59), 2)}; follow-up on ${int(2024, 2026)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}. `),
      (n) => n.add(`${pick(['Customer Success', 'Apple Pay', 'Google Maps', 'Mount Sinai Hospital', 'Royal Mail', 'Bank of America', 'Golden Gate Bridge'])} ${pick(['was down', 'confirmed it', 'sent a letter'])}. `),
      (n) => n.add(`Model X-${int(100, 900)} on Route ${int(1, 99)}, ${int(2, 40)} items in Bed ${int(1, 12)}. `),
    ];
    const count = int(3, 6);
    for (let t = 0; t < count; t++) pick(heldOut ? held : templates)(n);
    out.push({ id, fullName, email, phone, note: n.text.trim(), gold: n.gold });
  }
  return out;
}
