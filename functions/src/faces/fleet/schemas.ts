import { InvalidArgument } from "../../http/errors";

export * from "../../../../contract/src/fleet";

/** The runner a status or log call names, from its header or body; both must agree. */
export function namedRunner(header: string | undefined, body: string | undefined): string | null {
  if (header !== undefined && body !== undefined && header !== body) {
    throw new InvalidArgument("RUNNER_ID_MISMATCH", "x-runner-id and runnerId name different runners.");
  }
  return header ?? body ?? null;
}
