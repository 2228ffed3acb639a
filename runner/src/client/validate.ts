import type { z } from "zod";
import { InvalidRequestError } from "./http";

/**
 * Checks a request against the server's own schema before it is sent, and returns it unchanged
 * (the server applies defaults and transforms itself). A runner bug then shows up as a local
 * error naming the field, not as a 400 after a network round trip.
 */
export function checked<S extends z.ZodType>(schema: S, input: z.input<S>, what: string): z.input<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join(".") || "(body)"}: ${issue.message}`);
    throw new InvalidRequestError(`${what}: the server would refuse this request (${issues.join("; ")})`);
  }
  return input;
}
