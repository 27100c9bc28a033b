// The documented exit codes (README, `veil --help`).

import type { Problem } from '../lib/errors.js';

export const EXIT = {
  OK: 0,
  /** A privacy requirement was not met. */
  PRIVACY: 1,
  /** Usage, policy or key error. */
  USAGE: 2,
  /** Input data error. */
  INPUT: 3,
  /** Output could not be written, or an internal error. */
  IO: 4,
} as const;

export const EXIT_HELP = `Exit codes:
  0  success
  1  a privacy requirement was not met
  2  usage, policy or key error
  3  input data error (malformed CSV/JSON, missing or unlisted column, unreadable value)
  4  output or report could not be written, or an internal error`;

export function exitCodeOf(problems: readonly Problem[]): number {
  const kinds = new Set(problems.map((p) => p.kind));
  if (kinds.has('usage') || kinds.has('key') || kinds.has('policy')) return EXIT.USAGE;
  if (kinds.has('input')) return EXIT.INPUT;
  if (kinds.has('privacy')) return EXIT.PRIVACY;
  return EXIT.IO;
}
