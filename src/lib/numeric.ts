// Strict number reading and the interval formats shared by every feature that
// generalizes numbers (generalize now, k-anonymity later):
//   30-39      an integer range, both ends inclusive (non-negative ends)
//   [-10, -1]  an integer range with a negative end
//   [20000, 50000)  a real range, low end inclusive
//   90+        top coding: at least 90
//   <18        bottom coding: below 18
//   *          fully suppressed

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite decimal number, or undefined. Rejects "", spaces, hex, NaN and Infinity. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Shortest faithful text for a computed bound (hides binary noise such as 0.30000000000000004). */
/** A number written with a decimal comma (1.234,56, 1 234,5, 12): thousands by '.', a space or a narrow no-break space. */
const DECIMAL_COMMA = /^[+-]?(?:\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$/;

/** A decimal-comma number as JavaScript writes it (1.234,56 -> 1234.56), or undefined for text of another shape. */
export function fromDecimalComma(text: string): string | undefined {
  return DECIMAL_COMMA.test(text) ? text.replace(/[. \u00a0\u202f]/g, '').replace(',', '.') : undefined;
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(15)));
}

export function integerRange(lo: number, hi: number): string {
  return lo >= 0 ? `${lo}-${hi}` : `[${lo}, ${hi}]`;
}

export function realRange(lo: number, hi: number): string {
  return `[${formatNumber(lo)}, ${formatNumber(hi)})`;
}

export function topCode(top: number): string {
  return `${formatNumber(top)}+`;
}

export function bottomCode(bottom: number): string {
  return `<${formatNumber(bottom)}`;
}

export const SUPPRESSED = '*';

/** A closed range of real numbers, as a class of observed values spans. */
export function closedRange(lo: number, hi: number): string {
  return `[${formatNumber(lo)}, ${formatNumber(hi)}]`;
}
