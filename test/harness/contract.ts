import assert from "node:assert/strict";
import type { z } from "zod";

/** Asserts an answer matches its schema in the wire contract (contract/src), naming what does not. */
export function assertOnContract<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  assert.ok(
    parsed.success,
    `${what}: off the wire contract: ${parsed.success ? "" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")} in ${JSON.stringify(body).slice(0, 500)}`,
  );
  return parsed.data;
}
