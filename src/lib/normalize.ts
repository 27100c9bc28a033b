// Normalizations applied before a value is hashed, so that spellings of the
// same identifier give the same pseudonym. Later features (forget lists) must
// use the same table so their matches agree with the hashes.

export const NORMALIZERS = {
  none: (v: string) => v,
  trim: (v: string) => v.trim(),
  lowercase: (v: string) => v.toLowerCase(),
  email: (v: string) => v.trim().toLowerCase(),
  digits: (v: string) => v.replace(/\D+/g, ''),
} as const satisfies Record<string, (v: string) => string>;

export type Normalizer = keyof typeof NORMALIZERS;
