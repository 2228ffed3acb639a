import { z } from "zod";

/** Longest human label (runner instance or key names). */
export const MAX_NAME_LENGTH = 100;

export const nameSchema = z.string().trim().min(1).max(MAX_NAME_LENGTH);
/** Ids we mint are URL-safe base64; anything else cannot exist. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "not a valid id");
/** A query-string whole number (`?limit=20`) within bounds; anything else is 400. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
