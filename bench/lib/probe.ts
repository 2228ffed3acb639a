/**
 * Per-call instrumentation of the in-process claim, so a slow call can be explained: how many
 * conditional writes it lost and how many windows it read. The shipped claim is imported
 * unchanged; we wrap the two Admin SDK methods it uses and attribute each use to the claim call
 * running it through AsyncLocalStorage. Only the bench process is affected.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DocumentReference, Query } from "firebase-admin/firestore";
import { isLostRace } from "../../functions/src/core/jobs/claimJobs";

export interface CallProbe {
  /** Conditional writes refused because someone else changed the job first. */
  lostRaces: number;
  /** Queries run (claim windows read). */
  queries: number;
}

const current = new AsyncLocalStorage<CallProbe>();
let installed = false;

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;

export function installProbe(): void {
  if (installed) return;
  installed = true;
  const docProto = DocumentReference.prototype as unknown as { update: Method };
  const update = docProto.update;
  docProto.update = function (this: unknown, ...args: unknown[]) {
    return update.apply(this, args).catch((error: unknown) => {
      const probe = current.getStore();
      if (probe !== undefined && isLostRace(error)) probe.lostRaces++;
      throw error;
    });
  };
  const queryProto = Query.prototype as unknown as { get: Method };
  const get = queryProto.get;
  queryProto.get = function (this: unknown, ...args: unknown[]) {
    const probe = current.getStore();
    if (probe !== undefined) probe.queries++;
    return get.apply(this, args);
  };
}

/** Runs `fn` with a fresh probe and returns both. */
export async function probed<T>(fn: () => Promise<T>): Promise<{ value: T; probe: CallProbe }> {
  const probe: CallProbe = { lostRaces: 0, queries: 0 };
  const value = await current.run(probe, fn);
  return { value, probe };
}
