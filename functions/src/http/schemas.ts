import { z } from "zod";
import { SCOPES } from "../data/collections";

/** Longest human label (runner instance or key names). */
export const MAX_NAME_LENGTH = 100;

export const nameSchema = z.string().trim().min(1).max(MAX_NAME_LENGTH);
/** Ids we mint are URL-safe base64; anything else cannot exist. */
export const idSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, "not a valid id");
/** A query-string whole number (`?limit=20`) within bounds; anything else is 400. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export const scopeSchema = z.enum(SCOPES as [string, ...string[]]);

/** `waitMs` of a lease call: how long it may wait for work (0–25,000 ms; absent: answer at once). */
export const leaseWaitMs = z.number().int().min(0).max(25_000).default(0);

/** The same as a query parameter (`?waitMs=5000`). */
export const leaseWaitMsParam = z
  .string()
  .regex(/^\d{1,5}$/, "a whole number of milliseconds from 0 to 25000")
  .transform(Number)
  .pipe(z.number().int().min(0).max(25_000))
  .optional();
