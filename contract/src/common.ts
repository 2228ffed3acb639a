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
/** Longest wait a lease call may ask for (`waitMs`), under every HTTP client's and proxy's usual timeout. */
export const MAX_LEASE_WAIT_MS = 25_000;

/** `waitMs` of a lease call's body: how long it may wait for work (0–25,000 ms; absent: answer at once). */
export const leaseWaitMs = z.number().int().min(0).max(MAX_LEASE_WAIT_MS).default(0);

/** The same as a query parameter (`?waitMs=5000`); absent: answer at once. */
export const leaseWaitMsParam = z
  .string()
  .regex(/^\d{1,5}$/, `a whole number of milliseconds from 0 to ${MAX_LEASE_WAIT_MS}`)
  .transform(Number)
  .pipe(z.number().int().min(0).max(MAX_LEASE_WAIT_MS))
  .optional();

/** A query-string whole number (`?limit=20`) within bounds; anything else is 400. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
