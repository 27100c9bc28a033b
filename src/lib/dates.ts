// Calendar dates without time zones: ISO 8601 text in, days since 1970-01-01
// (proleptic Gregorian, UTC) for arithmetic, ISO text out. Whatever follows
// the date (a time, an offset) is kept as text by the callers that shift.

export interface ParsedDate {
  year: number;
  month: number; // 1-12, or 0 when the text gives a year only
  day: number; // 1-31, or 0 when the text gives no day
  /** Text after the date: "T08:30:00Z", " 08:30", or "". */
  rest: string;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?((?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?)$/;

/** Parses YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by a time; undefined when not a real date. */
export function parseDate(text: string): ParsedDate | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 0 : Number(m[2]);
  const day = m[3] === undefined ? 0 : Number(m[3]);
  const rest = m[4] ?? '';
  if (m[2] !== undefined && (month < 1 || month > 12)) return undefined;
  if (m[3] !== undefined && (day < 1 || day > daysInMonth(year, month))) return undefined;
  if (rest !== '' && day === 0) return undefined; // a time needs a full date
  if (rest !== '' && !validTime(rest)) return undefined;
  return { year, month, day, rest };
}

function validTime(rest: string): boolean {
  const m = /^[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(rest);
  if (!m) return false;
  return Number(m[1]) <= 23 && Number(m[2]) <= 59 && (m[3] === undefined || Number(m[3]) <= 60);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** Days since 1970-01-01 of a full date (setUTCFullYear, unlike Date.UTC, takes years 0-99 literally). */
export function toDays(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.floor(d.getTime() / 86_400_000);
}

export function fromDays(days: number): { year: number; month: number; day: number } {
  const d = new Date(days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Years veil reads and writes: four digits, 0000 to 9999. A result outside (a date shifted past 9999, the ISO week of 0000-01-01) cannot be written as veil reads it. */
export function inYearRange(year: number): boolean {
  return year >= 0 && year <= 9999;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** ISO 8601 week: the week-numbering year and week (weeks start on Monday; week 1 holds January 4th). */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const days = toDays(year, month, day);
  const weekday = (((days + 3) % 7) + 7) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const thursday = days - weekday + 3;
  const t = fromDays(thursday);
  const firstThursdayDays = toDays(t.year, 1, 1);
  const week = Math.floor((thursday - firstThursdayDays) / 7) + 1;
  return { year: t.year, week };
}

export type DateLevel = 'year' | 'quarter' | 'month' | 'week' | 'day';
export const DATE_LEVELS: readonly DateLevel[] = ['year', 'quarter', 'month', 'week', 'day'];

/** The date cut to a level: 1984, 1984-Q1, 1984-03, 1984-W11, 1984-03-12. Undefined when the text is too coarse, or its ISO week falls in a year outside 0000-9999. */
export function truncateDate(d: ParsedDate, level: DateLevel): string | undefined {
  switch (level) {
    case 'year':
      return pad(d.year, 4);
    case 'quarter':
      return d.month === 0 ? undefined : `${pad(d.year, 4)}-Q${Math.ceil(d.month / 3)}`;
    case 'month':
      return d.month === 0 ? undefined : `${pad(d.year, 4)}-${pad(d.month)}`;
    case 'week': {
      if (d.day === 0) return undefined;
      const w = isoWeek(d.year, d.month, d.day);
      return inYearRange(w.year) ? `${pad(w.year, 4)}-W${pad(w.week)}` : undefined;
    }
    case 'day':
      return d.day === 0 ? undefined : formatDate(d.year, d.month, d.day);
  }
}
