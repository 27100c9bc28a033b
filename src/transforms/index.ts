// The one list of column transforms. Policy validation, `veil transforms`,
// help and the report all read it: a transform that is not here does not exist.

import { dateShift } from './date-shift.js';
import type { Transform } from './define.js';
import { drop } from './drop.js';
import { fake } from './fake.js';
import { generalize } from './generalize.js';
import { hash } from './hash.js';
import { keep } from './keep.js';
import { mask } from './mask.js';
import { noise } from './noise.js';
import { randomizedResponse } from './randomized-response.js';
import { redact } from './redact.js';
import { scrub } from './scrub.js';

export const TRANSFORMS: readonly Transform[] = [hash, fake, mask, redact, drop, keep, generalize, dateShift, noise, randomizedResponse, scrub];

export const TRANSFORM_NAMES: readonly string[] = TRANSFORMS.map((t) => t.name);

export function findTransform(name: string): Transform | undefined {
  return TRANSFORMS.find((t) => t.name === name);
}
